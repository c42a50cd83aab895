package expkt.provider.nft;

import expkt.api.packet.Direction;
import expkt.api.packet.Filter;
import expkt.api.packet.FilterAction;
import expkt.api.packet.Port;
import expkt.linux.Nftables;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The provider's nftables table in the data-plane namespace ({@code table netdev expkt}): a base
 * chain per port and hook ({@code in_<if>} at ingress, {@code out_<if>} at egress) and, per filter and
 * port, one rule {@code <match> counter [drop] comment "<filter name>"}, so {@code nft list ruleset}
 * shows every filter by name with its hits and UP_AND_DROP keeps the data plane from forwarding.
 *
 * <p>The match mirrors the socket's BPF: {@code ether daddr}, and {@code meta protocol} (the ethertype
 * after the tag the kernel removed on receive) or {@code @ll,<offset*8>,16} for an explicit offset.
 *
 * <p>Rules are found again by their comment (filter names are unique host-wide), so removal needs no
 * handle bookkeeping and also removes rules a crashed owner left.
 *
 * <p>Threading: every method must run on the data-plane namespace thread (the libnftables context is
 * confined to it).
 */
public final class NftRules implements AutoCloseable {
    public static final String FAMILY = "netdev";
    public static final String TABLE = "expkt";

    private final Nftables nft;
    private final List<String> chains = new ArrayList<>();

    private NftRules(Nftables nft) {
        this.nft = nft;
    }

    /** Opens nftables and creates a fresh table (a leftover one from a crash is replaced). */
    public static NftRules start() throws IOException {
        Nftables nft = Nftables.open();
        NftRules r = new NftRules(nft);
        try {
            r.nft.run("{\"nftables\":[{\"add\":{\"table\":{\"family\":\"netdev\",\"name\":\"expkt\"}}},"
                    + "{\"delete\":{\"table\":{\"family\":\"netdev\",\"name\":\"expkt\"}}},"
                    + "{\"add\":{\"table\":{\"family\":\"netdev\",\"name\":\"expkt\"}}}]}");
        } catch (IOException e) {
            nft.close();
            throw e;
        }
        return r;
    }

    public String backend() {
        return nft.backend();
    }

    public static String chainName(String ifName, boolean egress) {
        return (egress ? "out_" : "in_") + ifName;
    }

    /** Makes sure the base chains of these ports exist (idempotent). */
    public void ensureChains(List<Port> ports) throws IOException {
        StringBuilder cmd = new StringBuilder("{\"nftables\":[");
        boolean any = false;
        for (Port p : ports) {
            for (boolean egress : new boolean[] {false, true}) {
                String name = chainName(p.ifName(), egress);
                if (chains.contains(name)) {
                    continue;
                }
                if (any) {
                    cmd.append(',');
                }
                any = true;
                cmd.append("{\"add\":{\"chain\":{\"family\":\"netdev\",\"table\":\"expkt\",\"name\":").append(Json.quote(name))
                        .append(",\"type\":\"filter\",\"hook\":\"").append(egress ? "egress" : "ingress")
                        .append("\",\"dev\":").append(Json.quote(p.ifName())).append(",\"prio\":0,\"policy\":\"accept\"}}}");
            }
        }
        if (!any) {
            return;
        }
        nft.run(cmd.append("]}").toString());
        for (Port p : ports) {
            for (boolean egress : new boolean[] {false, true}) {
                String name = chainName(p.ifName(), egress);
                if (!chains.contains(name)) {
                    chains.add(name);
                }
            }
        }
    }

    /** Removes the chains of ports that are gone (and their rules with them). */
    public void retainChains(List<Port> ports) throws IOException {
        List<String> keep = new ArrayList<>();
        for (Port p : ports) {
            keep.add(chainName(p.ifName(), false));
            keep.add(chainName(p.ifName(), true));
        }
        StringBuilder cmd = new StringBuilder("{\"nftables\":[");
        boolean any = false;
        for (String c : new ArrayList<>(chains)) {
            if (!keep.contains(c)) {
                if (any) {
                    cmd.append(',');
                }
                any = true;
                cmd.append("{\"delete\":{\"chain\":{\"family\":\"netdev\",\"table\":\"expkt\",\"name\":").append(Json.quote(c)).append("}}}");
                chains.remove(c);
            }
        }
        if (any) {
            try {
                nft.run(cmd.append("]}").toString());
            } catch (IOException e) {
                // a chain whose device vanished is gone with it already
            }
        }
    }

    /** Adds the rules of one filter on these ports, in one transaction. */
    public void addFilter(Filter f, List<Port> ports) throws IOException {
        addFilter(f, ports, p -> null);
    }

    /**
     * Adds the rules of one filter on these ports, in one transaction. An egress drop rule first
     * duplicates the frame to {@code egressCopyTo.apply(port)} when that is not null (the port's
     * capture link), so the socket still gets a copy.
     */
    public void addFilter(Filter f, List<Port> ports, java.util.function.Function<Port, String> egressCopyTo) throws IOException {
        if (ports.isEmpty()) {
            return;
        }
        ensureChains(ports);
        StringBuilder cmd = new StringBuilder("{\"nftables\":[");
        boolean any = false;
        for (Port p : ports) {
            for (boolean egress : new boolean[] {false, true}) {
                if (egress ? !f.direction().includesEgress() : !f.direction().includesIngress()) {
                    continue;
                }
                if (any) {
                    cmd.append(',');
                }
                any = true;
                cmd.append("{\"add\":{\"rule\":{\"family\":\"netdev\",\"table\":\"expkt\",\"chain\":")
                        .append(Json.quote(chainName(p.ifName(), egress))).append(",\"comment\":").append(Json.quote(f.name()))
                        .append(",\"expr\":[");
                boolean first = true;
                if (f.dstmac() != null) {
                    cmd.append("{\"match\":{\"op\":\"==\",\"left\":{\"payload\":{\"protocol\":\"ether\",\"field\":\"daddr\"}},\"right\":")
                            .append(Json.quote(f.dstmac().toString().toLowerCase(Locale.ROOT))).append("}}");
                    first = false;
                }
                if (f.hasEthertype()) {
                    if (!first) {
                        cmd.append(',');
                    }
                    first = false;
                    if (f.ethertypeOffset() == Filter.DEFAULT_OFFSET) {
                        cmd.append("{\"match\":{\"op\":\"==\",\"left\":{\"meta\":{\"key\":\"protocol\"}},\"right\":")
                                .append(f.ethertype()).append("}}");
                    } else {
                        cmd.append("{\"match\":{\"op\":\"==\",\"left\":{\"payload\":{\"base\":\"ll\",\"offset\":")
                                .append(f.ethertypeOffset() * 8).append(",\"len\":16}},\"right\":").append(f.ethertype()).append("}}");
                    }
                }
                cmd.append(",{\"counter\":null}");
                String copyTo = egress && f.action() == FilterAction.UP_AND_DROP ? egressCopyTo.apply(p) : null;
                if (copyTo != null) {
                    cmd.append(",{\"dup\":{\"addr\":").append(Json.quote(copyTo)).append("}}");
                }
                if (f.action() == FilterAction.UP_AND_DROP) {
                    cmd.append(",{\"drop\":null}");
                }
                cmd.append("]}}}");
            }
        }
        if (any) {
            nft.run(cmd.append("]}").toString());
        }
    }

    /** Removes every rule whose comment is {@code name}. */
    public void removeFilter(String name) throws IOException {
        removeFilters(List.of(name));
    }

    /** Removes every rule whose comment is one of {@code names}, in one transaction. */
    public void removeFilters(List<String> names) throws IOException {
        if (names.isEmpty()) {
            return;
        }
        StringBuilder cmd = new StringBuilder("{\"nftables\":[");
        boolean any = false;
        for (Map<String, Object> rule : rules()) {
            if (names.contains(String.valueOf(rule.get("comment")))) {
                if (any) {
                    cmd.append(',');
                }
                any = true;
                cmd.append("{\"delete\":{\"rule\":{\"family\":\"netdev\",\"table\":\"expkt\",\"chain\":")
                        .append(Json.quote(String.valueOf(rule.get("chain")))).append(",\"handle\":").append(rule.get("handle")).append("}}}");
            }
        }
        if (any) {
            nft.run(cmd.append("]}").toString());
        }
    }

    /**
     * Packets and bytes per filter name, summed over its rules: {@code name -> {packets, bytes}}. Bytes
     * are frame bytes from the Ethernet header on (without a VLAN tag the kernel removed): nftables
     * counts {@code skb->len}, which at the ingress hook starts after the Ethernet header, so 14 bytes
     * per packet are added back for ingress rules ({@code nft list ruleset} shows the raw numbers).
     */
    public Map<String, long[]> counters() throws IOException {
        Map<String, long[]> out = new LinkedHashMap<>();
        for (Map<String, Object> rule : rules()) {
            Object comment = rule.get("comment");
            if (comment == null) {
                continue;
            }
            boolean ingress = String.valueOf(rule.get("chain")).startsWith("in_");
            long[] c = out.computeIfAbsent(comment.toString(), k -> new long[2]);
            if (rule.get("expr") instanceof List<?> exprs) {
                for (Object e : exprs) {
                    if (e instanceof Map<?, ?> m && m.get("counter") instanceof Map<?, ?> counter) {
                        long packets = ((Number) counter.get("packets")).longValue();
                        c[0] += packets;
                        c[1] += ((Number) counter.get("bytes")).longValue() + (ingress ? 14 * packets : 0);
                    }
                }
            }
        }
        return out;
    }

    /** Every rule of the table, as nft lists it in JSON. */
    @SuppressWarnings("unchecked")
    public List<Map<String, Object>> rules() throws IOException {
        String out = nft.run("{\"nftables\":[{\"list\":{\"table\":{\"family\":\"netdev\",\"name\":\"expkt\"}}}]}");
        List<Map<String, Object>> rules = new ArrayList<>();
        Object doc = Json.parse(out.isBlank() ? "{}" : out);
        if (doc instanceof Map<?, ?> m && m.get("nftables") instanceof List<?> items) {
            for (Object item : items) {
                if (item instanceof Map<?, ?> im && im.get("rule") instanceof Map<?, ?> rule) {
                    rules.add(new HashMap<>((Map<String, Object>) rule));
                }
            }
        }
        return rules;
    }

    /** The table in nft's text form (for diagnostics). */
    public String listText() throws IOException {
        return nft.run("list table netdev expkt");
    }

    /** Deletes the table and closes nftables. */
    @Override
    public void close() {
        try {
            nft.run("{\"nftables\":[{\"delete\":{\"table\":{\"family\":\"netdev\",\"name\":\"expkt\"}}}]}");
        } catch (IOException e) {
            // already gone (namespace deleted, or never created)
        } finally {
            chains.clear();
            nft.close();
        }
    }
}
