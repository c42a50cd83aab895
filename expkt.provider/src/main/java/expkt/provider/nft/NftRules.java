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
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The provider's nftables table in the data-plane namespace ({@code table netdev expkt}): where every
 * frame crossing a port is classified, once, for all sockets. Per port and hook four chains:
 * <ul>
 * <li>the base chain ({@code ingress_<if>}, {@code egress_<if>}), only while a filter applies
 *     there: the prefilter, a lookup in the port's verdict map on the ethertype (and, only if a filter
 *     has a MAC and no ethertype, a MAC set behind a group-bit test), so a frame that can match no filter
 *     costs the same whatever the number of filters, and little ({@link #prefilterCommands});</li>
 * <li>the verdict map ({@code types_in_<if>}, {@code types_out_<if>}): a named map, changed element by
 *     element, never replaced (why: {@link #prefilterCommands});</li>
 * <li>the pair chain ({@code pre_in_<if>}, {@code pre_out_<if>}): for the ethertypes of filters with a
 *     MAC, destination MAC and ethertype looked up as a pair;</li>
 * <li>the punt chain ({@code punt_in_<if>}, {@code punt_out_<if>}): runs the filter chain, then
 *     {@code dup}s the frame once to the port's punt link (the sockets' only source of frames, see
 *     {@code dataplane.PuntLinks}) if a filter marked it, and drops it if an UP_AND_DROP filter did;</li>
 * <li>the filter chain ({@code in_<if>}, {@code out_<if>}): per filter the rules {@code <match> counter
 *     meta mark set meta mark | <bits> comment "<filter name>"}, so {@code nft list ruleset} shows every
 *     filter by name with its hits.</li>
 * </ul>
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

    /** The rules one filter gets: the ports it applies to. */
    public record FilterRules(Filter filter, List<Port> ports) {
        public FilterRules {
            ports = List.copyOf(ports);
        }
    }

    /** The mark bit a filter rule sets for "punt this frame" (high bits: user marks keep the low 30). */
    static final long PUNT_BIT = 0x40000000L;
    /** The mark bit a filter rule sets for "and do not forward it" (UP_AND_DROP). */
    static final long DROP_BIT = 0x80000000L;
    private static final long KEEP_BITS = 0x3FFFFFFFL;

    private final Nftables nft;
    /** The chains made so far (base, punt and filter chains). */
    private final List<String> chains = new ArrayList<>();
    /** The verdict maps made so far, each with its elements now: ethertype -> the chain it goes to. */
    private final Map<String, Map<Integer, String>> maps = new HashMap<>();
    /** The rules of each base chain now (as sent), to leave a base chain that would not change alone. */
    private final Map<String, List<String>> hookRules = new HashMap<>();
    /** The filters whose rules are in the table now, by name (after each successful transaction). */
    private Map<String, FilterRules> installed = new LinkedHashMap<>();
    /** Where a port's punted frames go: the near end of its punt link for a direction. */
    private Function<Port, String> ingressPunt = p -> null;
    private Function<Port, String> egressPunt = p -> null;
    private Leftover leftover;
    /**
     * Filters whose rules an earlier revision left in an adopted table ({@link #adopt}) and this one has
     * not added again yet: adding one of these names replaces its old rules in the same transaction;
     * {@link #removeAdopted} removes those nobody added again.
     */
    private final Set<String> adopted = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * What an engine revision stopping for an update leaves of the table for the next one
     * ({@link #detach}, {@link #adopt}): plain values, the table itself stays in the kernel.
     */
    public record State(List<String> chains, Map<String, Map<Integer, String>> maps, Map<String, List<String>> hookRules,
                        List<FilterRules> filters) {
    }

    private NftRules(Nftables nft) {
        this.nft = nft;
    }

    /** Sets where punted frames go (the punt links' near ends), before the first chain is made. */
    public void puntTo(Function<Port, String> ingress, Function<Port, String> egress) {
        this.ingressPunt = ingress;
        this.egressPunt = egress;
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

    /**
     * Opens nftables and takes over the table an earlier revision left ({@link #detach}) instead of
     * replacing it: its chains, maps, base chain rules and filter rules stay in the kernel as they are
     * (frames go on being classified, punted and dropped while the revisions swap), and this instance
     * knows them as {@code state} says. Throws, leaving the table alone, when the table or one of the
     * chains or maps of {@code state} is not there any more (the caller then builds anew with {@link #start}).
     */
    public static NftRules adopt(Nftables.Locations where, State state) throws IOException {
        Nftables nft = Nftables.open(where);
        NftRules r = new NftRules(nft);
        try {
            Set<String> there = r.objectNames();
            if (there == null) {
                throw new IOException("the table " + FAMILY + " " + TABLE + " is gone");
            }
            List<String> missing = new ArrayList<>();
            for (String c : state.chains()) {
                if (!there.contains(c)) {
                    missing.add(c);
                }
            }
            for (String m : state.maps().keySet()) {
                if (!there.contains(m)) {
                    missing.add(m);
                }
            }
            if (!missing.isEmpty()) {
                throw new IOException("the table " + FAMILY + " " + TABLE + " lacks " + missing.size() + " chain(s)/map(s) it had: "
                        + String.join(", ", missing.subList(0, Math.min(5, missing.size()))) + (missing.size() > 5 ? ", ..." : ""));
            }
            r.chains.addAll(state.chains());
            state.maps().forEach((k, v) -> r.maps.put(k, new TreeMap<>(v)));
            state.hookRules().forEach((k, v) -> r.hookRules.put(k, List.copyOf(v)));
            for (FilterRules f : state.filters()) {
                r.installed.put(f.filter().name(), f);
                r.adopted.add(f.filter().name());
            }
        } catch (IOException | RuntimeException e) {
            nft.close();
            throw e;
        }
        return r;
    }

    /**
     * Leaves the table in the kernel as it is for the next revision and returns what this instance knew
     * of it; closes nftables. This instance is unusable afterwards.
     */
    public State detach() {
        Map<String, Map<Integer, String>> m = new HashMap<>();
        maps.forEach((k, v) -> m.put(k, Map.copyOf(v)));
        Map<String, List<String>> h = new HashMap<>();
        hookRules.forEach((k, v) -> h.put(k, List.copyOf(v)));
        State s = new State(List.copyOf(chains), m, h, List.copyOf(installed.values()));
        chains.clear();
        maps.clear();
        hookRules.clear();
        installed = new LinkedHashMap<>();
        adopted.clear();
        nft.close();
        return s;
    }

    /** The filters an adopted table still holds rules of that this revision did not add again. */
    public List<String> adoptedFilters() {
        return List.copyOf(adopted);
    }

    /**
     * Removes, in one transaction, the rules of the adopted filters that nobody added again (their
     * sockets were not replayed: closed meanwhile, or refused by this revision); returns their names.
     */
    public List<String> removeAdopted() throws IOException {
        List<String> gone = List.copyOf(adopted);
        if (!gone.isEmpty()) {
            replace(gone, List.of());
        }
        return gone;
    }

    /** The names of the table's chains and maps, or null when there is no table. */
    @SuppressWarnings("unchecked")
    private Set<String> objectNames() {
        String out;
        try {
            out = nft.run("{\"nftables\":[{\"list\":{\"table\":{\"family\":\"netdev\",\"name\":\"expkt\"}}}]}");
        } catch (IOException e) {
            return null;
        }
        Set<String> names = new java.util.HashSet<>();
        Object doc = Json.parse(out.isBlank() ? "{}" : out);
        if (doc instanceof Map<?, ?> m && m.get("nftables") instanceof List<?> items) {
            for (Object item : items) {
                if (item instanceof Map<?, ?> im) {
                    for (String kind : new String[] {"chain", "map"}) {
                        if (im.get(kind) instanceof Map<?, ?> o) {
                            names.add(String.valueOf(((Map<String, Object>) o).get("name")));
                        }
                    }
                }
            }
        }
        return names;
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

    /** The chain holding the filters' rules of one port and direction (their counters, by comment). */
    public static String chainName(String ifName, boolean egress) {
        return (egress ? "out_" : "in_") + ifName;
    }

    /** The base chain at the port's hook: the prefilter (constant cost per frame, see {@link #prefilter}). */
    public static String hookChainName(String ifName, boolean egress) {
        return (egress ? "egress_" : "ingress_") + ifName;
    }

    /** The chain a prefiltered frame goes to: runs the filter rules once, punts once, drops if any said so. */
    public static String puntChainName(String ifName, boolean egress) {
        return (egress ? "punt_out_" : "punt_in_") + ifName;
    }

    /**
     * The chain a prefiltered frame of a filter's ethertype goes to when that filter also has a MAC: looks
     * up destination MAC and ethertype as a pair ({@link #prefilterCommands}).
     */
    public static String pairChainName(String ifName, boolean egress) {
        return (egress ? "pre_out_" : "pre_in_") + ifName;
    }

    /**
     * The named verdict map the base chain looks the ethertype up in ({@link #prefilterCommands}): its
     * elements send a frame to the punt chain or the pair chain.
     */
    public static String typesMapName(String ifName, boolean egress) {
        return (egress ? "types_out_" : "types_in_") + ifName;
    }

    /** Makes sure the base chains of these ports exist (idempotent). */
    public void ensureChains(List<Port> ports) throws IOException {
        replace(List.of(), List.of(), ports);
    }

    /** Removes the chains of ports that are gone (and their rules with them). */
    public void retainChains(List<Port> ports) throws IOException {
        List<String> keep = new ArrayList<>();
        for (Port p : ports) {
            for (boolean egress : new boolean[] {false, true}) {
                keep.add(typesMapName(p.ifName(), egress));
                keep.add(hookChainName(p.ifName(), egress));
                keep.add(puntChainName(p.ifName(), egress));
                keep.add(pairChainName(p.ifName(), egress));
                keep.add(chainName(p.ifName(), egress));
            }
        }
        StringBuilder cmd = new StringBuilder("{\"nftables\":[");
        boolean any = false;
        // the hook chain looks up the map, whose elements go to the pair chain and the punt chain, the pair
        // chain to the punt chain, which jumps to the filter chain: delete in that order
        List<String> ordered = new ArrayList<>();
        List<String> goneMaps = new ArrayList<>();
        for (String prefix : new String[] {"ingress_", "egress_", "types_", "pre_", "punt_", ""}) {
            if (prefix.equals("types_")) {
                for (String m : new TreeSet<>(maps.keySet())) {
                    if (!keep.contains(m)) {
                        ordered.add(m);
                        goneMaps.add(m);
                    }
                }
                continue;
            }
            for (String c : chains) {
                if (!ordered.contains(c) && (prefix.isEmpty() || c.startsWith(prefix))) {
                    ordered.add(c);
                }
            }
        }
        for (String c : ordered) {
            if (!keep.contains(c)) {
                if (any) {
                    cmd.append(',');
                }
                any = true;
                String kind = goneMaps.contains(c) ? "map" : "chain";
                cmd.append("{\"delete\":{\"").append(kind).append("\":{\"family\":\"netdev\",\"table\":\"expkt\",\"name\":")
                        .append(Json.quote(c)).append("}}}");
                chains.remove(c);
                maps.remove(c);
                hookRules.remove(c);
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

    /** Removes every rule whose comment is {@code name}. */
    public void removeFilter(String name) throws IOException {
        removeFilters(List.of(name));
    }

    /** Removes every rule whose comment is one of {@code names}, in one transaction. */
    public void removeFilters(Collection<String> names) throws IOException {
        replace(names, List.of());
    }

    /**
     * In ONE transaction: deletes every rule whose comment is one of {@code remove}, adds the rules of
     * {@code add} (creating the chains they need) and rewrites the prefilter of every port and
     * direction whose filters changed. The kernel applies the batch whole or not at all: on an
     * exception the table is as it was.
     */
    public void replace(Collection<String> remove, List<FilterRules> add) throws IOException {
        List<Port> ports = new ArrayList<>();
        for (FilterRules fr : add) {
            ports.addAll(fr.ports());
        }
        replace(remove, add, ports);
    }

    private void replace(Collection<String> remove, List<FilterRules> add, List<Port> chainPorts) throws IOException {
        List<String> readded = new ArrayList<>();
        if (!adopted.isEmpty()) {
            for (FilterRules fr : add) {
                if (adopted.contains(fr.filter().name())) {
                    readded.add(fr.filter().name()); // its old rules go in this same transaction: no window
                }
            }
            if (!readded.isEmpty()) {
                List<String> both = new ArrayList<>(remove);
                both.addAll(readded);
                remove = both;
            }
        }
        List<String> cmds = new ArrayList<>();
        List<String> newChains = new ArrayList<>();
        // the verdict maps' elements after this transaction (new maps start empty), and the base chains' rules
        Map<String, Map<Integer, String>> nextMaps = new HashMap<>();
        Map<String, List<String>> nextHookRules = new HashMap<>();
        for (Port p : chainPorts) {
            for (boolean egress : new boolean[] {false, true}) {
                addChainCommands(p, egress, newChains, nextMaps, cmds);
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
        // the filters after this transaction, and the ports whose prefilter they change
        Map<String, FilterRules> next = new LinkedHashMap<>(installed);
        Map<String, Port> touched = new LinkedHashMap<>();
        for (String name : remove) {
            FilterRules old = next.remove(name);
            if (old != null) {
                old.ports().forEach(p -> touched.put(p.ifName(), p));
            }
        }
        for (FilterRules fr : add) {
            next.put(fr.filter().name(), fr);
            fr.ports().forEach(p -> touched.put(p.ifName(), p));
        }
        List<String> addedHooks = new ArrayList<>();
        List<String> removedHooks = new ArrayList<>();
        for (Port p : touched.values()) {
            for (boolean egress : new boolean[] {false, true}) {
                String punt = puntChainName(p.ifName(), egress);
                if (chains.contains(punt) || newChains.contains(punt)) {
                    prefilterCommands(p, egress, next.values(), cmds, addedHooks, removedHooks, nextMaps, nextHookRules);
                }
            }
        }
        if (cmds.isEmpty()) {
            installed = next;
            adopted.removeAll(readded);
            adopted.removeAll(remove);
            return;
        }
        nft.run("{\"nftables\":[" + String.join(",", cmds) + "]}");
        adopted.removeAll(readded);
        adopted.removeAll(remove);
        chains.addAll(newChains);
        chains.addAll(addedHooks);
        chains.removeAll(removedHooks);
        maps.putAll(nextMaps);
        for (String h : removedHooks) {
            hookRules.remove(h);
        }
        hookRules.putAll(nextHookRules);
        installed = next;
    }

    /**
     * The chains of a port and direction, if not made yet: the pair chain (filled by
     * {@link #prefilterCommands}), the filter chain ({@code in_<if>}:
     * one rule per filter and tag depth, each counting and marking), the punt chain (clears the mark
     * bits, runs the filter chain, then {@code dup}s to the punt link if a filter marked the frame,
     * drops it if a drop filter did, and clears the bits again so nothing downstream sees them), and
     * the base chain at the hook is made by {@link #prefilterCommands} when the first filter needs it.
     */
    private void addChainCommands(Port p, boolean egress, List<String> newChains, Map<String, Map<Integer, String>> nextMaps,
                                  List<String> cmds) {
        String punt = puntChainName(p.ifName(), egress);
        if (chains.contains(punt) || newChains.contains(punt)) {
            return;
        }
        String filterChain = chainName(p.ifName(), egress);
        String device = (egress ? egressPunt : ingressPunt).apply(p);
        if (device == null) {
            throw new IllegalStateException("no punt link for port " + p.slotPort() + " (" + p.ifName() + ")");
        }
        cmds.add("{\"add\":{\"chain\":{\"family\":\"netdev\",\"table\":\"expkt\",\"name\":" + Json.quote(filterChain) + "}}}");
        cmds.add("{\"add\":{\"chain\":{\"family\":\"netdev\",\"table\":\"expkt\",\"name\":" + Json.quote(punt) + "}}}");
        cmds.add("{\"add\":{\"chain\":{\"family\":\"netdev\",\"table\":\"expkt\",\"name\":"
                + Json.quote(pairChainName(p.ifName(), egress)) + "}}}");
        // the prefilter's verdict map (elements added by prefilterCommands): named, so that a transaction
        // changes its elements and never swaps the map under a frame (see prefilterCommands)
        cmds.add("{\"add\":{\"map\":{\"family\":\"netdev\",\"table\":\"expkt\",\"name\":"
                + Json.quote(typesMapName(p.ifName(), egress)) + ",\"type\":\"ether_type\",\"map\":\"verdict\"}}}");
        // the counter: every frame the prefilter sent on
        cmds.add(rule(punt, "{\"counter\":null}", setMark("&", KEEP_BITS)));
        cmds.add(rule(punt, "{\"jump\":{\"target\":" + Json.quote(filterChain) + "}}"));
        cmds.add(rule(punt, markHas(PUNT_BIT), "{\"dup\":{\"addr\":" + Json.quote(device) + "}}"));
        cmds.add(rule(punt, markHas(DROP_BIT), "{\"drop\":null}"));
        cmds.add(rule(punt, setMark("&", KEEP_BITS)));
        newChains.add(filterChain);
        newChains.add(punt);
        newChains.add(pairChainName(p.ifName(), egress));
        nextMaps.put(typesMapName(p.ifName(), egress), new TreeMap<>());
    }

    /**
     * Rewrites the base chain of {@code port}'s hook: a frame goes on to the punt chain only if it
     * can match a filter there. The base chain runs for every frame crossing the port, forwarded ones
     * included (on veth in the sender's softirq), so what a frame that matches nothing pays there is what
     * the punt path costs the data plane; it is kept to at most two cheap steps whatever the number of
     * filters:
     * <ul>
     * <li>only if a filter has a MAC and no plain ethertype: its destination MAC looked up in the set of
     *     those MACs; when they are all group addresses (the protocols' multicast MACs), behind a test
     *     of the group bit, so a unicast frame pays one byte compare and no lookup;</li>
     * <li>a verdict map on its ethertype ({@code meta protocol}, after a tag the kernel moved to
     *     metadata): the ethertype of a filter without a MAC (and then the tag TPIDs: a second tag, the
     *     filter chain looks behind it) goes to the punt chain; the ethertype of a filter with a MAC goes
     *     to the pair chain ({@code pre_in_<if>}), which looks up destination MAC and ethertype as a
     *     pair (with the tag TPIDs, so QinQ frames reach the filter chain); any other ethertype stops
     *     here.</li>
     * </ul>
     * <b>The verdict map is a named map of the port and hook ({@code types_in_<if>}), changed element by
     * element ({@link #mapElementCommands}), and a base chain whose rules stay the same is not rewritten.</b>
     * Not an anonymous map written into the rule: a transaction that replaces such a rule deactivates
     * the old map's elements for the next generation (kernel 6.18, {@code nft_map_deactivate} in the
     * prepare phase), and a frame whose walk of the base chain began before the commit switched
     * generations (the rules it runs are the old generation's) but whose lookup comes after it (the
     * lookup asks for the current generation's elements) finds no element and falls through to the
     * chain's policy, accept: a frame of an UP_AND_DROP filter that stayed was forwarded
     * ({@code FilterEnforcementTest}, 2026-12-02). A named map is not touched when the rule that
     * looks it up is, and an element that stays is not touched by the transaction. Anonymous sets that
     * are not maps (the MAC set, the pair set) keep their elements active when their rule is replaced,
     * so they stay in the rules. Measured in a namespace pair (a base chain rewritten 300 times under a
     * stream of matching frames, 200 no-match rules in front to widen the window): anonymous verdict
     * map 11, 20, 5 frames through; anonymous set and named verdict map 0, 0, 0.
     * A filter with neither a MAC nor a plain ethertype (no match, an explicit offset, a tag ethertype)
     * sends every frame on. Why not one set of pairs for all (as before 2026-12-02): a lookup of the
     * 8-byte pair hashes it (jhash), then tries the set's catch-all; that and a second and third rule cost
     * a frame that matches nothing ~3× what this verdict map on two bytes costs (profiles of the sender,
     * {@code bench/README.md} "forward"). The frames sent on are counted once, by the punt chain's first
     * rule ({@code nft list}). Every jump is a {@code goto} from a chain entered by {@code goto} (no
     * return address), so the punt chain runs at most once per frame. The base chain exists only while a
     * filter applies to its port and hook: a hook without a chain costs the frames crossing it nothing at
     * all (the kernel does not run the hook).
     */
    private void prefilterCommands(Port port, boolean egress, Collection<FilterRules> filters, List<String> cmds,
                                   List<String> addedHooks, List<String> removedHooks,
                                   Map<String, Map<Integer, String>> nextMaps, Map<String, List<String>> nextHookRules) {
        String hook = hookChainName(port.ifName(), egress);
        String puntChain = puntChainName(port.ifName(), egress);
        String pairChain = pairChainName(port.ifName(), egress);
        String typesMap = typesMapName(port.ifName(), egress);
        String toPunt = "{\"goto\":{\"target\":" + Json.quote(puntChain) + "}}";
        TreeSet<String> macs = new TreeSet<>();
        TreeSet<String> pairs = new TreeSet<>();
        TreeSet<Integer> pairTypes = new TreeSet<>();
        TreeSet<Integer> types = new TreeSet<>();
        boolean everything = false;
        boolean groupMacs = true;
        for (FilterRules fr : filters) {
            Filter f = fr.filter();
            if ((egress ? !f.direction().includesEgress() : !f.direction().includesIngress()) || !appliesTo(fr, port)) {
                continue;
            }
            boolean plainType = f.hasEthertype() && f.ethertypeOffset() == Filter.DEFAULT_OFFSET
                    && f.ethertype() != ETH_P_8021Q && f.ethertype() != ETH_P_8021AD;
            if (f.dstmac() != null && plainType) {
                // every rule of such a filter needs meta protocol = its ethertype or a tag TPID (see matches)
                String mac = Json.quote(f.dstmac().toString().toLowerCase(Locale.ROOT));
                for (int t : new int[] {f.ethertype(), ETH_P_8021Q, ETH_P_8021AD}) {
                    pairs.add("{\"concat\":[" + mac + "," + t + "]}");
                    pairTypes.add(t);
                }
            } else if (f.dstmac() != null) {
                macs.add(Json.quote(f.dstmac().toString().toLowerCase(Locale.ROOT)));
                groupMacs &= f.dstmac().isMulticast();
            } else if (plainType) {
                types.add(f.ethertype());
            } else {
                everything = true;
            }
        }
        boolean none = !everything && macs.isEmpty() && pairs.isEmpty() && types.isEmpty();
        // the map's elements: ethertype -> the chain it goes to. Kept while a filter that sends everything on
        // is there too (the base chain does not look the map up then): a frame that began the base chain in
        // the previous generation still does, and the elements of the filters that stay must be there for it
        TreeMap<Integer, String> elements = new TreeMap<>();
        if (!none) {
            if (!types.isEmpty()) {
                // a second tag: the filter chain looks behind it
                types.add(ETH_P_8021Q);
                types.add(ETH_P_8021AD);
            }
            for (int t : types) {
                elements.put(t, puntChain);
            }
            for (int t : pairTypes) {
                elements.putIfAbsent(t, pairChain);
            }
        }
        mapElementCommands(typesMap, nextMaps.containsKey(typesMap) ? nextMaps.get(typesMap) : maps.getOrDefault(typesMap, Map.of()),
                elements, cmds);
        nextMaps.put(typesMap, elements);
        // the pair chain: only its rule, which looks up a constant set (no verdicts in it, see above)
        List<String> pairRules = pairs.isEmpty() ? List.of()
                : List.of(rule(pairChain, "{\"match\":{\"op\":\"==\",\"left\":{\"concat\":[{\"payload\":{\"protocol\":\"ether\",\"field\":\"daddr\"}},"
                        + "{\"meta\":{\"key\":\"protocol\"}}]},\"right\":{\"set\":[" + String.join(",", pairs) + "]}}}", toPunt));
        if (!pairRules.equals(hookRules.getOrDefault(pairChain, List.of()))) {
            cmds.add(flush(pairChain));
            cmds.addAll(pairRules);
            nextHookRules.put(pairChain, pairRules);
        }
        if (none) {
            if (chains.contains(hook)) {
                cmds.add("{\"delete\":{\"chain\":{\"family\":\"netdev\",\"table\":\"expkt\",\"name\":" + Json.quote(hook) + "}}}");
                removedHooks.add(hook);
            }
            return;
        }
        List<String> hookRuleList = new ArrayList<>();
        if (everything) {
            hookRuleList.add(rule(hook, toPunt));
        } else {
            if (!macs.isEmpty()) {
                List<String> expr = new ArrayList<>();
                if (groupMacs) {
                    // the group bit: the first byte's lowest bit (@ll is the frame as on the wire at both hooks)
                    expr.add("{\"match\":{\"op\":\"==\",\"left\":{\"&\":[{\"payload\":{\"base\":\"ll\",\"offset\":0,\"len\":8}},1]},\"right\":1}}");
                }
                expr.add("{\"match\":{\"op\":\"==\",\"left\":{\"payload\":{\"protocol\":\"ether\",\"field\":\"daddr\"}},"
                        + "\"right\":{\"set\":[" + String.join(",", macs) + "]}}}");
                expr.add(toPunt);
                hookRuleList.add(rule(hook, expr.toArray(String[]::new)));
            }
            if (!elements.isEmpty()) {
                hookRuleList.add(rule(hook, "{\"vmap\":{\"key\":{\"meta\":{\"key\":\"protocol\"}},\"data\":" + Json.quote("@" + typesMap) + "}}"));
            }
        }
        if (chains.contains(hook)) {
            if (hookRuleList.equals(hookRules.get(hook))) {
                return; // as it is: a base chain that would not change is not rewritten
            }
            cmds.add(flush(hook));
        } else {
            cmds.add("{\"add\":{\"chain\":{\"family\":\"netdev\",\"table\":\"expkt\",\"name\":" + Json.quote(hook)
                    + ",\"type\":\"filter\",\"hook\":\"" + (egress ? "egress" : "ingress") + "\",\"dev\":"
                    + Json.quote(port.ifName()) + ",\"prio\":0,\"policy\":\"accept\"}}}");
            addedHooks.add(hook);
        }
        cmds.addAll(hookRuleList);
        nextHookRules.put(hook, hookRuleList);
    }

    /**
     * Changes the named verdict map {@code map} from {@code now} to {@code next} element by element: adds
     * the new ethertypes, deletes the ones gone, and deletes and adds one whose chain changed. An element
     * that stays is not touched (see {@link #prefilterCommands} for why this matters).
     */
    private static void mapElementCommands(String map, Map<Integer, String> now, Map<Integer, String> next, List<String> cmds) {
        List<String> delete = new ArrayList<>();
        List<String> add = new ArrayList<>();
        for (Map.Entry<Integer, String> e : now.entrySet()) {
            String target = next.get(e.getKey());
            if (target == null || !target.equals(e.getValue())) {
                delete.add(String.valueOf(e.getKey()));
            }
        }
        for (Map.Entry<Integer, String> e : next.entrySet()) {
            if (!e.getValue().equals(now.get(e.getKey()))) {
                add.add("[" + e.getKey() + ",{\"goto\":{\"target\":" + Json.quote(e.getValue()) + "}}]");
            }
        }
        String where = "\"family\":\"netdev\",\"table\":\"expkt\",\"name\":" + Json.quote(map);
        if (!delete.isEmpty()) {
            cmds.add("{\"delete\":{\"element\":{" + where + ",\"elem\":[" + String.join(",", delete) + "]}}}");
        }
        if (!add.isEmpty()) {
            cmds.add("{\"add\":{\"element\":{" + where + ",\"elem\":[" + String.join(",", add) + "]}}}");
        }
    }

    private static String flush(String chain) {
        return "{\"flush\":{\"chain\":{\"family\":\"netdev\",\"table\":\"expkt\",\"name\":" + Json.quote(chain) + "}}}";
    }

    private static boolean appliesTo(FilterRules fr, Port port) {
        for (Port p : fr.ports()) {
            if (p.ifName().equals(port.ifName())) {
                return true;
            }
        }
        return false;
    }

    private static String rule(String chain, String... expr) {
        return "{\"add\":{\"rule\":{\"family\":\"netdev\",\"table\":\"expkt\",\"chain\":" + Json.quote(chain)
                + ",\"expr\":[" + String.join(",", expr) + "]}}}";
    }

    /** {@code meta mark set meta mark <op> bits}. */
    private static String setMark(String op, long bits) {
        return "{\"mangle\":{\"key\":{\"meta\":{\"key\":\"mark\"}},\"value\":{\"" + op + "\":[{\"meta\":{\"key\":\"mark\"}},"
                + bits + "]}}}";
    }

    /** {@code meta mark & bit == bit}. */
    private static String markHas(long bit) {
        return "{\"match\":{\"op\":\"==\",\"left\":{\"&\":[{\"meta\":{\"key\":\"mark\"}}," + bit + "]},\"right\":" + bit + "}}";
    }

    private static void addRuleCommands(FilterRules fr, List<String> cmds) {
        Filter f = fr.filter();
        long bits = PUNT_BIT | (f.action() == FilterAction.UP_AND_DROP ? DROP_BIT : 0);
        for (Port p : fr.ports()) {
            for (boolean egress : new boolean[] {false, true}) {
                if (egress ? !f.direction().includesEgress() : !f.direction().includesIngress()) {
                    continue;
                }
                String tail = "{\"counter\":null}," + setMark("|", bits);
                for (List<String> match : matches(f)) {
                    List<String> expr = new ArrayList<>(match);
                    expr.add(tail);
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
            // at that offset of the frame as the socket hands it over, which is the frame as it was on the
            // wire: what nft's link-layer payload reads too (it puts a tag held in metadata back in its view)
            alternatives.add(List.of(ll(f.ethertypeOffset(), et)));
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
            maps.clear();
            hookRules.clear();
            installed = new LinkedHashMap<>();
            adopted.clear();
            nft.close();
        }
    }
}
