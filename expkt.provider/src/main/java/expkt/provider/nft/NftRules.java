package expkt.provider.nft;

import expkt.api.packet.Filter;
import expkt.api.packet.FilterAction;
import expkt.api.packet.Port;
import expkt.linux.Nftables;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The provider's nftables table in the data-plane namespace ({@code table netdev expkt}): a base
 * chain per port and hook ({@code in_<if>} at ingress, {@code out_<if>} at egress) and, per filter and
 * port, the rules {@code <match> counter [dup] [drop] comment "<filter name>"}, so {@code nft list
 * ruleset} shows every filter by name with its hits and UP_AND_DROP keeps the data plane from
 * forwarding.
 *
 * <p><b>The match is the socket's BPF program's</b> (which skips up to two in-frame tags after the
 * kernel moved the outer one to metadata). On receive, {@code meta protocol} is the ethertype after
 * that outer tag, and the link-layer payload ({@code @ll}) is the frame as on the wire (the netdev
 * hooks put the tag back). So a filter on ethertype E becomes five rules: {@code meta protocol E}
 * (untagged, or one tag); {@code meta protocol} 0x8100 or 0x88a8 (a second tag) with E at byte 20
 * (802.1ad + 802.1Q or 802.1Q + 802.1Q: the QinQ frame that a {@code meta protocol E} rule alone let
 * through); the same with a third tag 0x8100 and E at 24. A filter on a tag ethertype (0x8100, 0x88a8)
 * matches it as the outer or the second tag; an explicit offset reads at that offset, or 4 bytes
 * further behind an outer tag. Checked on kernel 6.18 with tcpdump on the far side
 * ({@code FilterEnforcementTest}).
 *
 * <p><b>Every change is one transaction</b> ({@link #replace}): the rules of the old filters are deleted
 * and the new ones added in one nft batch, which the kernel applies whole or not at all, so there is
 * never a moment in which a drop filter that stays has no rule.
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
    private static final int ETH_P_8021Q = 0x8100;
    private static final int ETH_P_8021AD = 0x88A8;

    /** What a previous host left in the namespace (found and removed by {@link #start}). */
    public record Leftover(int rules, List<String> filters, List<String> chains) {
        @Override
        public String toString() {
            return "table " + FAMILY + " " + TABLE + " with " + chains.size() + " chain(s) and " + rules + " rule(s)"
                    + (filters.isEmpty() ? "" : " of the filter(s) " + String.join(", ", filters));
        }
    }

    /** The rules one filter gets: its ports, and for an egress drop the device a copy goes to first (or null). */
    public record FilterRules(Filter filter, List<Port> ports, Function<Port, String> egressCopyTo) {
        public FilterRules(Filter filter, List<Port> ports) {
            this(filter, ports, p -> null);
        }
    }

    private final Nftables nft;
    private final List<String> chains = new ArrayList<>();
    private Leftover leftover;

    private NftRules(Nftables nft) {
        this.nft = nft;
    }

    /**
     * Opens nftables where {@code where} says and creates a fresh table; a leftover one (a host that
     * crashed or was killed) is replaced, and {@link #leftover()} says what it held. Throws
     * {@link Nftables.UnavailableException} when nftables is not there at all.
     */
    public static NftRules start(Nftables.Locations where) throws IOException {
        Nftables nft = Nftables.open(where);
        NftRules r = new NftRules(nft);
        try {
            r.leftover = r.inspect();
            r.nft.run("{\"nftables\":[{\"add\":{\"table\":{\"family\":\"netdev\",\"name\":\"expkt\"}}},"
                    + "{\"delete\":{\"table\":{\"family\":\"netdev\",\"name\":\"expkt\"}}},"
                    + "{\"add\":{\"table\":{\"family\":\"netdev\",\"name\":\"expkt\"}}}]}");
        } catch (IOException | RuntimeException e) {
            nft.close();
            throw e;
        }
        return r;
    }

    /** {@link #start(Nftables.Locations)} with the system properties' locations. */
    public static NftRules start() throws IOException {
        return start(Nftables.Locations.fromSystemProperties());
    }

    /** What the table held before {@link #start} replaced it, or null if there was none. */
    public Leftover leftover() {
        return leftover;
    }

    @SuppressWarnings("unchecked")
    private Leftover inspect() {
        String out;
        try {
            out = nft.run("{\"nftables\":[{\"list\":{\"table\":{\"family\":\"netdev\",\"name\":\"expkt\"}}}]}");
        } catch (IOException e) {
            return null; // no such table
        }
        int rules = 0;
        Set<String> filters = new TreeSet<>();
        List<String> chainNames = new ArrayList<>();
        Object doc = Json.parse(out.isBlank() ? "{}" : out);
        if (doc instanceof Map<?, ?> m && m.get("nftables") instanceof List<?> items) {
            for (Object item : items) {
                if (item instanceof Map<?, ?> im && im.get("rule") instanceof Map<?, ?> rule) {
                    rules++;
                    if (rule.get("comment") != null) {
                        filters.add(String.valueOf(rule.get("comment")));
                    }
                } else if (item instanceof Map<?, ?> im && im.get("chain") instanceof Map<?, ?> chain) {
                    chainNames.add(String.valueOf(((Map<String, Object>) chain).get("name")));
                }
            }
        }
        return new Leftover(rules, List.copyOf(filters), List.copyOf(chainNames));
    }

    public String backend() {
        return nft.backend();
    }

    public static String chainName(String ifName, boolean egress) {
        return (egress ? "out_" : "in_") + ifName;
    }

    /** Makes sure the base chains of these ports exist (idempotent). */
    public void ensureChains(List<Port> ports) throws IOException {
        replace(List.of(), List.of(), ports);
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
        replace(List.of(), List.of(new FilterRules(f, ports)));
    }

    /**
     * Adds the rules of one filter on these ports, in one transaction. An egress drop rule first
     * duplicates the frame to {@code egressCopyTo.apply(port)} when that is not null (the port's
     * capture link), so the socket still gets a copy.
     */
    public void addFilter(Filter f, List<Port> ports, Function<Port, String> egressCopyTo) throws IOException {
        replace(List.of(), List.of(new FilterRules(f, ports, egressCopyTo)));
    }

    /** Removes every rule whose comment is {@code name}. */
    public void removeFilter(String name) throws IOException {
        removeFilters(List.of(name));
    }

    /** Removes every rule whose comment is one of {@code names}, in one transaction. */
    public void removeFilters(Collection<String> names) throws IOException {
        replace(names, List.of());
    }

    /**
     * In ONE transaction: deletes every rule whose comment is one of {@code remove} and adds the rules of
     * {@code add} (creating the chains they need). The kernel applies the batch whole or not at all: on
     * an exception the table is as it was.
     */
    public void replace(Collection<String> remove, List<FilterRules> add) throws IOException {
        List<Port> ports = new ArrayList<>();
        for (FilterRules fr : add) {
            ports.addAll(fr.ports());
        }
        replace(remove, add, ports);
    }

    private void replace(Collection<String> remove, List<FilterRules> add, List<Port> chainPorts) throws IOException {
        List<String> cmds = new ArrayList<>();
        List<String> newChains = new ArrayList<>();
        for (Port p : chainPorts) {
            for (boolean egress : new boolean[] {false, true}) {
                String name = chainName(p.ifName(), egress);
                if (chains.contains(name) || newChains.contains(name)) {
                    continue;
                }
                newChains.add(name);
                cmds.add("{\"add\":{\"chain\":{\"family\":\"netdev\",\"table\":\"expkt\",\"name\":" + Json.quote(name)
                        + ",\"type\":\"filter\",\"hook\":\"" + (egress ? "egress" : "ingress") + "\",\"dev\":"
                        + Json.quote(p.ifName()) + ",\"prio\":0,\"policy\":\"accept\"}}}");
            }
        }
        if (!remove.isEmpty()) {
            for (Map<String, Object> rule : rules()) {
                if (remove.contains(String.valueOf(rule.get("comment")))) {
                    cmds.add("{\"delete\":{\"rule\":{\"family\":\"netdev\",\"table\":\"expkt\",\"chain\":"
                            + Json.quote(String.valueOf(rule.get("chain"))) + ",\"handle\":" + rule.get("handle") + "}}}");
                }
            }
        }
        for (FilterRules fr : add) {
            addRuleCommands(fr, cmds);
        }
        if (cmds.isEmpty()) {
            return;
        }
        nft.run("{\"nftables\":[" + String.join(",", cmds) + "]}");
        chains.addAll(newChains);
    }

    private static void addRuleCommands(FilterRules fr, List<String> cmds) {
        Filter f = fr.filter();
        for (Port p : fr.ports()) {
            for (boolean egress : new boolean[] {false, true}) {
                if (egress ? !f.direction().includesEgress() : !f.direction().includesIngress()) {
                    continue;
                }
                StringBuilder tail = new StringBuilder("{\"counter\":null}");
                String copyTo = egress && f.action() == FilterAction.UP_AND_DROP ? fr.egressCopyTo().apply(p) : null;
                if (copyTo != null) {
                    tail.append(",{\"dup\":{\"addr\":").append(Json.quote(copyTo)).append("}}");
                }
                if (f.action() == FilterAction.UP_AND_DROP) {
                    tail.append(",{\"drop\":null}");
                }
                for (List<String> match : matches(f)) {
                    List<String> expr = new ArrayList<>(match);
                    expr.add(tail.toString());
                    cmds.add("{\"add\":{\"rule\":{\"family\":\"netdev\",\"table\":\"expkt\",\"chain\":"
                            + Json.quote(chainName(p.ifName(), egress)) + ",\"comment\":" + Json.quote(f.name())
                            + ",\"expr\":[" + String.join(",", expr) + "]}}}");
                }
            }
        }
    }

    /** How many rules {@code f} gets per port and hook (one per tag depth the BPF program skips, see above). */
    public static int rulesPerPortAndHook(Filter f) {
        return matches(f).size();
    }

    /**
     * The match expressions of a filter's rules: one list per rule (the rules are alternatives). No
     * anonymous sets: {@code nft list ruleset} then keeps one rule per line without braces inside a chain.
     */
    static List<List<String>> matches(Filter f) {
        List<String> mac = new ArrayList<>();
        if (f.dstmac() != null) {
            mac.add("{\"match\":{\"op\":\"==\",\"left\":{\"payload\":{\"protocol\":\"ether\",\"field\":\"daddr\"}},\"right\":"
                    + Json.quote(f.dstmac().toString().toLowerCase(Locale.ROOT)) + "}}");
        }
        if (!f.hasEthertype()) {
            return List.of(mac);
        }
        int et = f.ethertype();
        List<List<String>> alternatives = new ArrayList<>();
        if (f.ethertypeOffset() != Filter.DEFAULT_OFFSET) {
            // at that offset of the frame as the socket sees it: 4 bytes further when the kernel took a tag off
            int off = f.ethertypeOffset();
            alternatives.add(List.of(ll(off, et)));
            for (int tpid : new int[] {ETH_P_8021Q, ETH_P_8021AD}) {
                alternatives.add(List.of(ll(12, tpid), ll(off + 4, et)));
            }
        } else if (et == ETH_P_8021Q || et == ETH_P_8021AD) {
            // the outer tag's TPID (on the wire, or in metadata), or the second tag's
            alternatives.add(List.of(ll(12, et)));
            alternatives.add(List.of(metaProtocol(et)));
        } else {
            // untagged or one tag: meta protocol is the ethertype after the tag the kernel moved to metadata
            alternatives.add(List.of(metaProtocol(et)));
            for (int tpid : new int[] {ETH_P_8021Q, ETH_P_8021AD}) {
                // two tags (802.1ad or 802.1Q outside, 802.1Q inside): meta protocol is the inner tag's TPID
                alternatives.add(List.of(metaProtocol(tpid), ll(20, et)));
                // three tags, the third 802.1Q (the BPF program skips that many)
                alternatives.add(List.of(metaProtocol(tpid), ll(20, ETH_P_8021Q), ll(24, et)));
            }
        }
        List<List<String>> out = new ArrayList<>();
        for (List<String> a : alternatives) {
            List<String> m = new ArrayList<>(mac);
            m.addAll(a);
            out.add(m);
        }
        return out;
    }

    private static String metaProtocol(int ethertype) {
        return "{\"match\":{\"op\":\"==\",\"left\":{\"meta\":{\"key\":\"protocol\"}},\"right\":" + ethertype + "}}";
    }

    /** A match on 16 bits at byte {@code offset} of the frame as on the wire (the netdev hooks put a stripped tag back). */
    private static String ll(int offset, int value) {
        return "{\"match\":{\"op\":\"==\",\"left\":{\"payload\":{\"base\":\"ll\",\"offset\":" + offset * 8
                + ",\"len\":16}},\"right\":" + value + "}}";
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
