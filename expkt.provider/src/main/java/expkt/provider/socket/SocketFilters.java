package expkt.provider.socket;

import expkt.api.packet.Filter;
import expkt.api.packet.Port;
import expkt.linux.PacketSockets;
import expkt.provider.bpf.BpfCompiler;
import expkt.provider.nft.NftRules;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

/**
 * The filters of one packet socket and what the kernel holds for them: the socket's classic BPF
 * program (all its filters OR-ed) and the nftables rules named after each filter, claimed in the
 * engine's {@link FilterRegistry}. Installs a filter as one step with rollback, removes them all, and
 * re-installs them after the data plane's ports or the socket's VR changed: the old rules are replaced
 * by the new ones in one nft transaction, and a filter that cannot be re-applied is shown as not
 * enforced ({@link #state}), never listed as if it were. The socket's VR
 * ({@code SO_VRID}) lives here because it decides the ports the filters apply to.
 *
 * <p>Threading: every change under the socket's filter lock (given to the constructor, held by the
 * socket also while it closes); never on the receive path. {@link #list()} and {@link #vrId()} read
 * without the lock.
 */
final class SocketFilters {
    private final L2Engine engine;
    /** The socket these filters are of; another one when a parked socket is adopted ({@link #rebind}). */
    private volatile PacketSocketImpl socket;
    private final int fd;
    private volatile Object filterLock;
    private volatile BooleanSupplier open;
    /** What {@link #state} says of a filter whose data-plane rules are in force. */
    static final String ENFORCED = "enforced";

    private final List<Filter> filters = new CopyOnWriteArrayList<>();
    /** Filters that are not (or no longer exactly) enforced, with why; absent: enforced. */
    private final Map<String, String> states = new ConcurrentHashMap<>();
    /** What the kernel holds now: the rules' {@link #signature} and the BPF program (to skip a re-apply that changes nothing). */
    private List<String> installedRules = List.of();
    /** The rules themselves (what a failed change spanning namespaces rolls back to, {@code L2Engine.replaceRules}). */
    private List<NftRules.FilterRules> installedRuleSets = List.of();
    private long[] installedProgram;
    private volatile int vrId = -1;

    SocketFilters(L2Engine engine, PacketSocketImpl socket, int fd, Object filterLock, BooleanSupplier open) {
        this.engine = engine;
        this.socket = socket;
        this.fd = fd;
        this.filterLock = filterLock;
        this.open = open;
    }

    private void ensureOpen() throws ClosedChannelException {
        if (!open.getAsBoolean()) {
            throw new ClosedChannelException();
        }
    }

    /**
     * Adds {@code filter}: claims its name, adds its nft rules (one transaction), attaches the new BPF
     * program; undoes all on failure. A filter that needs drop rules where nftables is unavailable is
     * refused before anything is made. The one place that owns the install order and its rollback
     * (the engine offers the steps, this method sequences them under the socket's filter lock;
     * {@code FilterRollbackTest} fails the last step with a real kernel refusal and shows nothing left).
     */
    void setup(Filter filter) throws IOException {
        if (filter == null) {
            throw new IllegalArgumentException("filter is null");
        }
        synchronized (filterLock) {
            ensureOpen();
            engine.requireRules(filter);
            List<Port> ports = engine.portsOf(filter, vrId);
            engine.registry().claim(filter, socket);
            boolean rulesAdded = false;
            boolean programAttached = false;
            try {
                engine.prepare(filter, ports);
                List<Filter> next = new ArrayList<>(filters);
                next.add(filter);
                long[] program = engine.compile(next, vrId);
                NftRules.FilterRules rules = engine.rulesOf(filter, ports);
                engine.replaceRules(List.of(), List.of(rules), List.of());
                rulesAdded = true;
                PacketSockets.attachFilter(fd, program);
                programAttached = true;
                socket.attachToFanoutMembers(program); // a fanout group's sockets carry one program
                filters.add(filter);
                states.remove(filter.name());
                String notTapped = engine.notTapped(filter, vrId);
                if (notTapped != null) {
                    states.put(filter.name(), notTapped); // set up, but its VR namespaces' ports bring nothing: said, not hidden
                    engine.log().warn("socket #" + socket.id() + " of " + socket.ownerName() + ": filter " + filter.name() + " " + notTapped, null);
                }
                List<String> installed = new ArrayList<>(installedRules);
                installed.add(signature(rules));
                installedRules = installed;
                List<NftRules.FilterRules> sets = new ArrayList<>(installedRuleSets);
                sets.add(rules);
                installedRuleSets = sets;
                installedProgram = program;
            } catch (IOException | RuntimeException e) {
                if (programAttached) {
                    // a fanout member refused it: every socket of the group goes back to the program it had
                    long[] back = installedProgram == null ? BpfCompiler.REJECT_ALL : installedProgram;
                    try {
                        PacketSockets.attachFilter(fd, back);
                        socket.attachToFanoutMembers(back);
                    } catch (IOException | RuntimeException again) {
                        e.addSuppressed(again);
                    }
                }
                if (rulesAdded) {
                    engine.removeRulesQuietly(List.of(filter.name()));
                }
                engine.registry().release(filter.name(), socket);
                throw e;
            }
        }
    }

    /**
     * Hands these filters (and the fd they are attached to) to {@code to}, the socket that adopts a
     * parked socket's kernel part: the host-wide names are claimed by {@code to} from now on. The caller
     * holds both sockets' filter locks.
     */
    void rebind(PacketSocketImpl to, Object toFilterLock, BooleanSupplier toOpen) {
        PacketSocketImpl from = socket;
        for (Filter f : filters) {
            engine.registry().rebind(f.name(), from, to);
        }
        socket = to;
        filterLock = toFilterLock;
        open = toOpen;
    }

    /**
     * Removes the filters named {@code names} and keeps the others: the program without them first (the
     * socket takes no more of their frames), then their nft rules, then their names. The caller holds
     * the filter lock. (An adopted socket's filters that its new revision did not set up again.)
     */
    void removeSome(java.util.Set<String> names) throws IOException {
        List<Filter> keep = new ArrayList<>();
        List<String> gone = new ArrayList<>();
        for (Filter f : filters) {
            if (names.contains(f.name())) {
                gone.add(f.name());
            } else {
                keep.add(f);
            }
        }
        if (gone.isEmpty()) {
            return;
        }
        if (keep.isEmpty()) {
            drop();
            return;
        }
        long[] program = engine.compile(keep, vrId);
        PacketSockets.attachFilter(fd, program);
        installedProgram = program;
        List<String> sigs = new ArrayList<>();
        List<NftRules.FilterRules> sets = new ArrayList<>();
        for (int i = 0; i < installedRuleSets.size(); i++) {
            if (!names.contains(installedRuleSets.get(i).filter().name())) {
                sets.add(installedRuleSets.get(i));
                sigs.add(installedRules.get(i));
            }
        }
        filters.removeIf(f -> names.contains(f.name()));
        for (String n : gone) {
            states.remove(n);
        }
        installedRules = sigs;
        installedRuleSets = sets;
        try {
            engine.removeRules(gone);
        } finally {
            for (String n : gone) {
                engine.registry().release(n, socket);
            }
        }
    }

    /** The filters set now. */
    List<Filter> list() {
        return List.copyOf(filters);
    }

    /**
     * What the data plane does for the filter named {@code name}: {@link #ENFORCED}, or why not
     * ({@code NOT ENFORCED: ...} when it could not be re-applied, {@code STALE: ...} when its previous
     * rules stay because re-applying failed).
     */
    String state(String name) {
        String s = states.get(name);
        return s == null ? ENFORCED : s;
    }

    /** Removes every filter of an open socket. */
    void remove() throws IOException {
        synchronized (filterLock) {
            ensureOpen();
            drop();
        }
    }

    /**
     * Removes every filter: a reject-all BPF program first (the socket takes nothing more), then the
     * nft rules, then the names. The caller holds the filter lock.
     */
    void drop() throws IOException {
        if (filters.isEmpty()) {
            return;
        }
        List<String> names = new ArrayList<>();
        for (Filter f : filters) {
            names.add(f.name());
        }
        try {
            PacketSockets.attachFilter(fd, BpfCompiler.REJECT_ALL);
            socket.attachToFanoutMembers(BpfCompiler.REJECT_ALL);
        } finally {
            filters.clear();
            states.clear();
            installedRules = List.of();
            installedRuleSets = List.of();
            installedProgram = null;
            try {
                engine.removeRules(names);
            } finally {
                for (String n : names) {
                    engine.registry().release(n, socket);
                }
            }
        }
    }

    /**
     * Re-installs the BPF program and nft rules after the data plane's ports, the VR registry or the
     * socket's VR changed. The new rules of every filter replace the old ones in ONE nft transaction, so
     * a filter that stays is never without its rule, and a failed transaction leaves the old rules in
     * place. A filter that cannot be resolved any more (its VR is gone) is left out of both, and its
     * state says so; it comes back at the next re-apply that resolves it.
     */
    void reapply() throws IOException {
        synchronized (filterLock) {
            if (!open.getAsBoolean() || filters.isEmpty()) {
                return;
            }
            reapply(vrId);
        }
    }

    private void reapply(int vr) throws IOException {
        List<String> names = new ArrayList<>();
        List<Filter> enforced = new ArrayList<>();
        List<NftRules.FilterRules> rules = new ArrayList<>();
        Map<String, String> failed = new HashMap<>();
        Map<String, String> notTapped = new HashMap<>();
        for (Filter f : filters) {
            names.add(f.name());
            try {
                List<Port> ports = engine.portsOf(f, vr);
                engine.prepare(f, ports);
                rules.add(engine.rulesOf(f, ports));
                enforced.add(f);
                String why = engine.notTapped(f, vr);
                if (why != null) {
                    notTapped.put(f.name(), why);
                }
            } catch (IOException | RuntimeException e) {
                failed.put(f.name(), "NOT ENFORCED: " + e.getMessage());
            }
        }
        List<String> signatures = new ArrayList<>();
        for (NftRules.FilterRules r : rules) {
            signatures.add(signature(r));
        }
        long[] program;
        try {
            program = engine.compile(enforced, vr);
            // a change that leaves every rule as it is (a ring-only reconfiguration) touches nothing: counters go on
            if (!signatures.equals(installedRules)) {
                engine.replaceRules(names, rules, installedRuleSets);
                installedRules = signatures;
                installedRuleSets = List.copyOf(rules);
            }
        } catch (IOException | RuntimeException e) {
            // nothing changed in the kernel: the previous rules and program stay, and say so
            for (String n : names) {
                states.putIfAbsent(n, "STALE: re-applying failed (" + e.getMessage() + "); the previous rules stay in force");
            }
            throw e;
        }
        if (!Arrays.equals(program, installedProgram)) {
            PacketSockets.attachFilter(fd, program);
            socket.attachToFanoutMembers(program); // a fanout group's sockets carry one program
            installedProgram = program;
        }
        states.clear();
        states.putAll(notTapped);
        states.putAll(failed);
        if (!failed.isEmpty()) {
            engine.log().error("socket #" + socket.id() + " of " + socket.ownerName() + ": filter(s) no longer enforced after a "
                    + "reconfiguration: " + failed, null);
        }
    }

    /** What the rules of {@code r} are, as a string: equal strings, equal rules in the kernel. */
    private static String signature(NftRules.FilterRules r) {
        StringBuilder b = new StringBuilder(r.filter().toString());
        for (Port p : r.ports()) {
            b.append('|').append(p.ifName()).append('/').append(p.ifIndex());
        }
        return b.toString();
    }

    /** The socket's VR id ({@code SO_VRID}); -1: the data plane's VR. */
    int vrId() {
        return vrId;
    }

    /** Moves the socket's filters to VR {@code value} (-1: the data plane's); keeps the old VR if that fails. */
    void vrId(int value) throws IOException {
        synchronized (filterLock) {
            if (value != -1) {
                engine.vrScope().byId(value); // throws naming an unknown id
            }
            int old = vrId;
            vrId = value;
            try {
                if (open.getAsBoolean() && !filters.isEmpty()) {
                    reapply(value);
                }
            } catch (IOException | RuntimeException e) {
                vrId = old;
                throw e;
            }
        }
    }
}
