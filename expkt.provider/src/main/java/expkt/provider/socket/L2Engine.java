package expkt.provider.socket;

import expkt.api.packet.Direction;
import expkt.api.packet.Filter;
import expkt.api.packet.FilterAction;
import expkt.api.packet.Port;
import expkt.api.packet.RxMode;
import expkt.api.spi.BundleIdentity;
import expkt.api.spi.ParkedDataPlane;
import expkt.api.spi.ParkedSocket;
import expkt.linux.Fds;
import expkt.linux.Nftables;
import expkt.linux.PacketSockets;
import expkt.provider.bpf.BpfCompiler;
import expkt.provider.core.ProviderLog;
import expkt.provider.core.VrScope;
import expkt.provider.dataplane.DataPlane;
import expkt.provider.dataplane.DataPlaneLock;
import expkt.provider.dataplane.DataPlaneModel;
import expkt.provider.dataplane.DataPlaneSettings;
import expkt.provider.dataplane.PuntLinks;
import expkt.provider.dispatch.BusyPoll;
import expkt.provider.dispatch.LaneRegistry;
import expkt.provider.nft.NftRules;
import expkt.provider.rx.FramePorts;
import expkt.provider.rx.RxRing;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The L2 provider's core, independent of OSGi: opens packet sockets in the data-plane namespace,
 * compiles their filters, keeps the nftables table, the host-wide filter names and the callback
 * dispatcher, and closes every socket of an owner on request (a bundle that stopped).
 *
 * <p>Threading: thread-safe. nftables and socket creation run on the data plane's namespace thread.
 */
public final class L2Engine implements AutoCloseable, FramePorts {
    /**
     * Ring geometry. Default: 256 blocks of 16 KiB (4 MiB per socket), a block handed to the reader 2 ms
     * after its first frame at the latest (the receive latency bound). The kernel never hands over an
     * empty block, but a block retired by the timeout may hold a single frame: at low rates the ring
     * holds {@code blockNr} frames for a reader that does not read, hence many small blocks.
     */
    public record RingConfig(int blockSize, int blockNr, int retireMillis) {
        public static final RingConfig DEFAULT = new RingConfig(1 << 14, 256, 2);

        /** Within {@link DataPlaneSettings}' bounds, whoever builds it: the geometry goes straight to the kernel. */
        public RingConfig {
            DataPlaneSettings.checkRing(blockSize, blockNr, retireMillis);
        }
    }

    /**
     * The busy-poll default of a THROUGHPUT socket when the framework property is absent, µs: 0. Its
     * TPACKET_V3 ring shows frames a retired block at a time (full, or 2 ms after its first frame), so
     * polling after a drained block rarely finds the next one and only burns CPU.
     */
    public static final int DEFAULT_BUSY_POLL_MICROS = 0;
    /**
     * The busy-poll default of a LATENCY socket when the framework property is absent, µs: 100.
     * Measured 2026-12-01 (bench/README.md "Busy polling", echo workload, same run): same CPU, p50
     * 21.4 -> 15.2 µs, p99 2,332 -> 60 µs, at no more responder CPU per exchange (fewer wake-ups); a
     * longer budget (500 µs) did not lower the latency further and raised the CPU across CPUs by 70 %.
     */
    public static final int DEFAULT_LATENCY_BUSY_POLL_MICROS = 100;

    private final DataPlane dataPlane;
    private final ProviderLog log;
    /** The geometry of the rings of sockets opened from now on (a configuration change does not touch open rings). */
    private volatile RingConfig ringConfig;
    private final FilterRegistry registry = new FilterRegistry();
    private final Map<Long, PacketSocketImpl> sockets = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    /** The nftables table; null when nftables is not usable here ({@link #dropRulesUnavailable}). */
    private final NftRules nft;
    private final String dropRulesUnavailable;
    private final DataPlaneLock lock;
    /**
     * The punt links and the punt namespace the sockets live in; null without nftables (the degrade
     * path: every socket is an ETH_P_ALL tap on the data-plane namespace, as {@link #punting()} says).
     */
    private final PuntLinks punt;
    private final LaneRegistry dispatcher;
    /** Where nftables is looked for (each VR namespace with ports gets a table of its own). */
    private final Nftables.Locations nftables;
    /**
     * The nftables table of each VR namespace (data-plane space 1..n) that has or had ports: made when
     * the first port of that namespace appears, on its thread, removed at close.
     */
    private final Map<Integer, NftRules> spaceRules = new ConcurrentHashMap<>();
    /** The send socket (protocol 0, no tap) of each VR namespace, shared by every socket's send path. */
    private final Map<Integer, Integer> spaceTxFds = new ConcurrentHashMap<>();
    private final Consumer<DataPlaneModel> modelListener = this::modelChanged;
    private final Consumer<DataPlaneModel> linkListener = this::linksChanged;
    /** The model the link listener saw last (to log what changed). */
    private volatile DataPlaneModel linkModel;
    private volatile VrScope vrScope;
    private volatile boolean closed;
    /** What happened to the kernel part at start ({@link #handoverOutcome()}). */
    private final String handoverOutcome;
    /**
     * True while the provider stops for an update (its bundle STOPPING, persistently started, the framework
     * not stopping): a socket closed then leaves its filters' rules in the table, which {@link #park} hands
     * over with the filters (the next revision replaces them when the keeper replays the socket).
     */
    private volatile java.util.function.BooleanSupplier stoppingForUpdate = () -> false;
    /** The busy-poll budget of sockets that set none, µs (the framework property {@link RxMode#BUSY_POLL_PROPERTY}), -1: by mode. */
    private volatile int busyPollMicros;

    public L2Engine(DataPlane dataPlane, VrScope vrScope, RingConfig ringConfig, ProviderLog log) throws IOException {
        this(dataPlane, vrScope, ringConfig, log, Nftables.Locations.fromSystemProperties());
    }

    /**
     * Takes the data plane (one host per data plane: refused, naming the other host's pid, before
     * anything is touched), replaces what a previous host left there (and logs it), and sets up the
     * nftables table. Without nftables ({@code nftables} says where it is looked for) the engine still
     * starts: copy-only (UP_AND_CONTINUE) filters work, drop rules are refused and
     * {@link #dropRulesUnavailable()} says why.
     */
    public L2Engine(DataPlane dataPlane, VrScope vrScope, RingConfig ringConfig, ProviderLog log,
                    Nftables.Locations nftables) throws IOException {
        this(dataPlane, vrScope, ringConfig, log, nftables, null);
    }

    /**
     * As {@link #L2Engine(DataPlane, VrScope, RingConfig, ProviderLog, Nftables.Locations)}, but first tries to
     * adopt the kernel part {@code parked} that the previous revision left when it stopped for an update
     * ({@link #park}): its punt namespace, the punt links of the data plane's ports and the nftables table
     * are taken over as they are (ports that appeared or went meanwhile reconciled), instead of deleted and
     * made anew. Stale parts (the fd closed or reused, a link or chain gone, another namespace) are
     * discarded, loudly, and the data plane is built from scratch; {@link #handoverOutcome()} says which.
     * Null {@code parked}: built from scratch, as without a handover.
     */
    public L2Engine(DataPlane dataPlane, VrScope vrScope, RingConfig ringConfig, ProviderLog log,
                    Nftables.Locations nftables, ParkedDataPlane parked) throws IOException {
        this.dataPlane = dataPlane;
        this.vrScope = vrScope;
        this.ringConfig = ringConfig;
        this.log = log;
        this.nftables = nftables;
        String busyPoll = System.getProperty(RxMode.BUSY_POLL_PROPERTY);
        // refused before anything is touched: a misspelt default must not silently mean "no polling"
        this.busyPollMicros = busyPoll == null ? -1 : BusyPoll.parseMicros(busyPoll, "the host's " + RxMode.BUSY_POLL_PROPERTY);
        this.lock = DataPlaneLock.acquire(dataPlane.namespaceInode(), dataPlane.describeNamespace());
        NftRules rules = null;
        PuntLinks links = null;
        String unavailable = null;
        List<String> staleLinks;
        String outcome = parked == null ? "built from scratch: nothing was parked" : null;
        boolean discarded = false;
        java.util.Set<String> keepLinks = java.util.Set.of();
        try {
            if (parked != null) {
                long t0 = System.nanoTime();
                try {
                    Adopted a = adopt(parked);
                    rules = a.rules();
                    links = a.links();
                    java.util.Set<String> keep = new java.util.HashSet<>();
                    for (ParkedDataPlane.PuntLink l : parked.links()) {
                        keep.add(l.ingressDevice());
                        keep.add(l.egressDevice());
                    }
                    keepLinks = keep;
                    outcome = "adopted from " + parked.parkedBy() + ": " + parked.links().size() + " punt link pair(s), "
                            + parked.nftChains().size() + " chain(s), " + parked.nftFilters().size() + " filter(s) ("
                            + (System.nanoTime() - t0) / 1_000_000 + " ms)";
                } catch (IOException | RuntimeException e) {
                    discarded = true;
                    outcome = "built from scratch: what " + parked.parkedBy() + " parked is stale (" + e.getMessage() + ")";
                    log.warn("expkt L2 provider: the data plane's kernel part parked by " + parked.parkedBy()
                            + " cannot be adopted, building it from scratch (its leftovers are removed): " + e.getMessage(), null);
                }
            }
            if (rules == null) {
                try {
                    rules = dataPlane.call(() -> NftRules.start(nftables));
                } catch (IOException e) {
                    unavailable = e.getMessage();
                }
                if (rules != null) {
                    try {
                        links = PuntLinks.start(dataPlane.describeNamespace().replaceAll("[^A-Za-z0-9_.-]", ""));
                    } catch (IOException | RuntimeException e) {
                        // no punt namespace here: the degrade path, said as loudly as a missing nftables
                        NftRules r = rules;
                        dataPlane.call(() -> {
                            r.close();
                            return null;
                        });
                        rules = null;
                        unavailable = "the punt links cannot be made (" + e.getMessage() + ")";
                    }
                }
            }
            this.nft = rules;
            this.punt = links;
            this.dropRulesUnavailable = unavailable;
            java.util.Set<String> keep = keepLinks;
            staleLinks = dataPlane.call(() -> {
                List<String> removed = PuntLinks.removeStaleIn(keep);
                if (nft != null) {
                    List<Port> ports = dataPlane.model().portsInSpace(0);
                    nft.puntTo(p -> PuntLinks.device(p, false), p -> PuntLinks.device(p, true));
                    // adopted: the ports that went meanwhile lose their chains and links, new ones get them
                    nft.retainChains(ports);
                    punt.retain(ports);
                    punt.ensure(ports);
                    nft.ensureChains(ports);
                }
                return removed;
            });
            if (nft != null) {
                DataPlaneModel m = dataPlane.model();
                for (int space : m.spaces()) {
                    if (space != 0) {
                        setUpSpace(m, space);
                    }
                }
            }
            this.dispatcher = new LaneRegistry(log);
        } catch (Exception | Error e) {
            // also on an Error (a linkage error of a half-updated host): the lock must not outlive a failed start
            closeNft();
            lock.close();
            if (e instanceof Error err) {
                throw err;
            }
            throw e instanceof IOException io ? io : new IOException(e);
        }
        this.handoverOutcome = outcome;
        NftRules.Leftover leftover = nft == null ? null : nft.leftover();
        if (leftover != null || !staleLinks.isEmpty()) {
            if (discarded) {
                log.info("expkt L2 provider: removed the stale kernel part parked by " + parked.parkedBy() + ": "
                        + (leftover == null ? "" : leftover) + (leftover != null && !staleLinks.isEmpty() ? " and " : "")
                        + (staleLinks.isEmpty() ? "" : "the punt link(s) " + String.join(", ", staleLinks)));
            } else {
                log.warn("expkt L2 provider: a previous host left its kernel state in " + dataPlane.describeNamespace()
                        + " (it was killed or crashed); removed " + (leftover == null ? "" : leftover)
                        + (leftover != null && !staleLinks.isEmpty() ? " and " : "")
                        + (staleLinks.isEmpty() ? "" : "the punt link(s) " + String.join(", ", staleLinks)), null);
            }
        }
        if (nft == null) {
            log.warn("expkt L2 provider: " + dropRulesUnavailableText() + "; UP_AND_CONTINUE filters work (BPF only, every "
                    + "socket a packet tap on every port: the data plane pays for each socket)", null);
        }
        log.info("expkt L2 provider: data plane " + dataPlane.describeNamespace() + ", " + dataPlane.model().ports().size()
                + " ports (" + dataPlane.model().source() + "), " + (nft == null ? "no nftables" : "nftables through " + nft.backend()
                + ", frames punted to the sockets through punt links") + ", lock " + lock.file() + "; kernel part " + outcome);
        linkModel = dataPlane.model();
        dataPlane.addListener(modelListener);
        dataPlane.addLinkListener(linkListener);
        if (nft != null && !nft.adoptedFilters().isEmpty()) {
            scheduleAdoptedCleanup(parked.parkedBy());
        }
    }

    /** The nftables table and punt links taken over from a parked kernel part. */
    private record Adopted(NftRules rules, PuntLinks links) {
    }

    /**
     * Takes over {@code parked} after checking every part of it; throws naming the first stale part,
     * having closed the punt namespace's fd (if it still was that namespace: a reused fd number is
     * someone else's and left alone). The table and near ends then are leftovers the start from scratch removes.
     */
    private Adopted adopt(ParkedDataPlane parked) throws Exception {
        if (parked.dataPlaneInode() != dataPlane.namespaceInode()) {
            throw new IOException("it is of another data-plane namespace (inode " + parked.dataPlaneInode() + ", this one "
                    + dataPlane.namespaceInode() + ")");
        }
        if (!NftRules.FAMILY.equals(parked.nftFamily()) || !NftRules.TABLE.equals(parked.nftTable())) {
            throw new IOException("it holds the table " + parked.nftFamily() + " " + parked.nftTable() + ", not " + NftRules.FAMILY
                    + " " + NftRules.TABLE);
        }
        String label = dataPlane.describeNamespace().replaceAll("[^A-Za-z0-9_.-]", "");
        expkt.linux.NetNs ns = expkt.linux.NetNs.adopt("expkt-punt-" + label, parked.puntNsFd(), parked.puntNsInode());
        NftRules rules = null;
        try {
            // a port of the data plane whose chains are parked must still be the port its punt link was made
            // for (the same ifindex): one re-created meanwhile under the same name is not reconciled, it is stale
            java.util.Set<Integer> linked = new java.util.HashSet<>();
            for (ParkedDataPlane.PuntLink l : parked.links()) {
                linked.add(l.portKey());
            }
            for (Port p : dataPlane.model().portsInSpace(0)) {
                if (parked.nftChains().contains(NftRules.puntChainName(p.ifName(), false)) && !linked.contains(p.ifIndex())) {
                    throw new IOException("port " + p.slotPort() + " (" + p.ifName() + ") has chains but its punt link was made for "
                            + "another ifindex (the interface was re-created)");
                }
            }
            List<NftRules.FilterRules> filters = new ArrayList<>();
            for (ParkedDataPlane.ParkedFilter f : parked.nftFilters()) {
                filters.add(new NftRules.FilterRules(f.filter(), f.ports()));
            }
            NftRules.State state = new NftRules.State(parked.nftChains(), parked.nftMaps(), parked.nftHookRules(), filters);
            rules = dataPlane.call(() -> NftRules.adopt(nftables, state));
            NftRules r = rules;
            PuntLinks links = dataPlane.call(() -> PuntLinks.adopt(label, ns, parked.links()));
            return new Adopted(r, links);
        } catch (Exception | Error e) {
            if (rules != null) {
                NftRules r = rules;
                try {
                    dataPlane.call(() -> {
                        r.detach(); // closes nftables only: the table is a leftover NftRules.start removes
                        return null;
                    });
                } catch (Exception ignored) {
                    // start() removes it anyway
                }
            }
            ns.close(); // the punt namespace goes, and its pairs with it
            throw e;
        }
    }

    /** Where sockets' kernel parts are parked across a provider update and taken from (the keeper's EngineHandover). */
    public interface SocketHandover {
        /** Parks {@code part} under {@code token}; false if there is nobody to park it with (then it is closed as usual). */
        boolean park(long token, ParkedSocket part);

        /** The part parked under {@code token}, or null; the caller owns it. */
        ParkedSocket take(long token);
    }

    private volatile SocketHandover socketHandover;
    private volatile String revision = "(this engine)";

    /** Sets where sockets closed while the provider stops for an update are parked, and this revision's name for them. */
    public void socketHandover(String revision, SocketHandover handover) {
        this.revision = revision;
        this.socketHandover = handover;
    }

    /** A socket closed now may hand its fd and ring over: the provider stops for an update, the keeper is there, punt links. */
    boolean handsOverSockets() {
        return punt != null && socketHandover != null && stoppingForUpdate.getAsBoolean();
    }

    /** Parks a closing socket's receive part under {@code token}; false if it could not be (the socket closes it then). */
    boolean parkSocket(long token, int fd, long fdInode, Arena ringArena, RxRing ring, RxMode mode) {
        SocketHandover h = socketHandover;
        if (h == null) {
            return false;
        }
        try {
            // a revision that parks while still reading its own backlog (an update soon after an update) passes the rest on
            java.util.List<java.lang.foreign.MemorySegment> unread = ring.unreadBacklog();
            return h.park(token, new ParkedSocket(revision, fd, fdInode, ringArena, ring.segment(), mode, ring.blockSize(), ring.blockNr(),
                    ring.frameSize(), ring.block(), ring.left(), ring.frame(), ring.holding(), unread));
        } catch (RuntimeException e) {
            log.warn("expkt L2 provider: parking the kernel part of a socket for the next revision failed; it is closed", e);
            return false;
        }
    }

    /**
     * A socket of {@code owner} made from the kernel part the previous revision parked under {@code token}
     * ({@link PacketSocketImpl#handoverToken()}): its fd, still bound with its BPF program, and its ring,
     * read on from where the previous reader stopped, so the frames that queued meanwhile come first, each
     * once. Nothing else of the old socket comes along: options, filters (which replace the BPF program and
     * the adopted nft rules) and callback are set up by the caller as on a new socket. Throws when nothing
     * is parked under the token or it is stale (then the part, if any, is closed): the caller opens anew.
     */
    public PacketSocketImpl adopt(BundleIdentity owner, long token, RxMode mode) throws IOException {
        SocketHandover h = socketHandover;
        if (h == null) {
            throw new IOException("no keeper to take a parked socket from");
        }
        PacketSocketImpl s = adoptParked(owner, null, token, mode);
        if (s == null) {
            throw new IOException("no socket kernel part is parked under token " + Long.toHexString(token));
        }
        return s;
    }

    /** True if this revision can take sockets parked by the previous one (a keeper is there). */
    public boolean takesParkedSockets() {
        return socketHandover != null;
    }

    /** True while a socket closed now is parked for the next revision (the provider stops for an update, keeper, punt links). */
    public boolean handsOverSocketsNow() {
        return handsOverSockets();
    }

    /**
     * As {@link #adopt(BundleIdentity, long, RxMode)}, for a socket named with {@code purpose} (null: the
     * owner's packet service; e.g. {@code (handlers)}: the handler whiteboard's, see {@link #open(BundleIdentity, String, RxMode)}),
     * returning null when nothing is parked under {@code token} (no keeper, or the first revision) instead of
     * throwing. Throws when a part is parked but cannot be adopted (stale, another receive mode; it is closed).
     */
    public PacketSocketImpl adoptParked(BundleIdentity owner, String purpose, long token, RxMode mode) throws IOException {
        SocketHandover h = socketHandover;
        if (h == null) {
            return null;
        }
        if (closed) {
            throw new IllegalStateException("the expkt L2 provider is stopped");
        }
        ParkedSocket p = h.take(token);
        if (p == null) {
            return null;
        }
        int txFd = -1;
        try {
            if (p.mode() != mode) {
                throw new IOException("the parked socket is " + p.mode() + ", not " + mode);
            }
            if (punt == null) {
                throw new IOException("this revision has no punt links (the parked socket receives on them)");
            }
            long inode;
            try {
                inode = ((Number) java.nio.file.Files.getAttribute(java.nio.file.Path.of("/proc/self/fd/" + p.fd()), "unix:ino")).longValue();
            } catch (IOException e) {
                throw new IOException("fd " + p.fd() + " of the parked socket is not open any more", e);
            }
            if (inode != p.fdInode()) {
                throw new IOException("fd " + p.fd() + " of the parked socket is now another file (inode " + inode + ", not " + p.fdInode() + ")");
            }
            // the copies the keeper drained out of the ring while no revision read it come first
            RxRing ring = RxRing.resume(p.ring(), p.blockSize(), p.blockNr(), p.frameSize(), p.block(), p.left(), p.frame(), p.holding(),
                    p.backlog());
            txFd = dataPlane.call(() -> PacketSockets.open(0));
            long id = ids.incrementAndGet();
            PacketSocketImpl s = new PacketSocketImpl(this, id, owner, purpose, p.fd(), txFd, p.ringArena(), ring, mode);
            sockets.put(id, s);
            if (closed) {
                s.close();
                throw new IllegalStateException("the expkt L2 provider is stopped");
            }
            return s;
        } catch (IOException | RuntimeException e) {
            if (txFd >= 0) {
                Fds.closeQuietly(txFd);
            }
            discard(p);
            throw e;
        } catch (Exception e) {
            if (txFd >= 0) {
                Fds.closeQuietly(txFd);
            }
            discard(p);
            throw new IOException(e);
        }
    }

    /** Closes a parked socket part for good: unmaps the ring, closes the fd if it is still that socket. */
    public static void discard(ParkedSocket p) {
        try {
            p.ringArena().close();
        } catch (IllegalStateException | UnsupportedOperationException e) {
            // closed already
        }
        try {
            long inode = ((Number) java.nio.file.Files.getAttribute(java.nio.file.Path.of("/proc/self/fd/" + p.fd()), "unix:ino")).longValue();
            if (inode == p.fdInode()) {
                Fds.closeQuietly(p.fd());
            }
        } catch (IOException | RuntimeException e) {
            // not open any more
        }
    }

    /** The filters whose rules came with an adopted table and that no socket of this engine set up again yet. */
    public List<String> adoptedFilters() {
        return nft == null ? List.of() : nft.adoptedFilters();
    }

    /** What happened to the kernel part at start: adopted from the previous revision, or built from scratch and why. */
    public String handoverOutcome() {
        return handoverOutcome;
    }

    /**
     * The adopted filters whose sockets the keeper did not replay within the grace period (closed meanwhile,
     * refused by this revision) lose their rules then, in one transaction.
     */
    private void scheduleAdoptedCleanup(String from) {
        long ms = Math.max(graceMillis, 1000);
        try {
            graceTimer.schedule(() -> {
                if (closed) {
                    return;
                }
                try {
                    List<String> gone = onNamespaceThread(nft::removeAdopted);
                    if (!gone.isEmpty()) {
                        log.info("expkt L2 provider: removed the rules of " + gone.size() + " filter(s) adopted from " + from
                                + " that no socket set up again within " + ms + " ms: " + String.join(", ", gone));
                    }
                } catch (IOException | RuntimeException e) {
                    log.warn("expkt L2 provider: removing the rules of filters adopted from " + from + " that no socket set up again failed", e);
                }
            }, ms, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            // closed meanwhile: the table goes with it
        }
    }

    public DataPlane dataPlane() {
        return dataPlane;
    }

    /**
     * The busy-poll budget of a socket of {@code mode} that sets none, µs: the framework property's
     * value, or without it {@value #DEFAULT_BUSY_POLL_MICROS} (THROUGHPUT) /
     * {@value #DEFAULT_LATENCY_BUSY_POLL_MICROS} (LATENCY). Any thread.
     */
    public int busyPollMicros(RxMode mode) {
        int v = busyPollMicros;
        return v >= 0 ? v : mode == RxMode.LATENCY ? DEFAULT_LATENCY_BUSY_POLL_MICROS : DEFAULT_BUSY_POLL_MICROS;
    }

    /**
     * Changes the host-wide busy-poll default (0..{@value BusyPoll#MAX_MICROS} µs; -1: by receive mode)
     * for every socket that sets none.
     */
    public void busyPollMicros(int micros) {
        busyPollMicros = micros == -1 ? -1 : BusyPoll.check(micros, "the host's " + RxMode.BUSY_POLL_PROPERTY);
    }

    @Override
    public DataPlaneModel model() {
        return dataPlane.model();
    }

    /** The model whose ports are served (see {@link DataPlane#servedModel()}): what introspection shows. */
    public DataPlaneModel servedModel() {
        return dataPlane.servedModel();
    }

    public FilterRegistry registry() {
        return registry;
    }

    /** The dispatch lanes of callbacks and whiteboard handlers, and their one isolation rule. */
    public LaneRegistry dispatcher() {
        return dispatcher;
    }

    public ProviderLog log() {
        return log;
    }

    public VrScope vrScope() {
        return vrScope;
    }

    /**
     * The VRs filters may name changed (the VR registry came or went): every socket's filters are
     * re-applied, so a filter whose VR is gone is shown as not enforced, and one whose VR is back is
     * enforced again.
     */
    public void vrScope(VrScope scope) {
        this.vrScope = scope;
        if (!closed) {
            reapplyAll("the VRs now known");
        }
    }

    /** The ring geometry new sockets get. */
    public RingConfig ringConfig() {
        return ringConfig;
    }

    /**
     * Changes the ring geometry of the sockets opened from now on; open sockets keep their rings (a
     * ring cannot be resized under its reader). Returns true if it changed.
     */
    public boolean ringConfig(RingConfig config) {
        if (config == null) {
            throw new IllegalArgumentException("ring configuration is null");
        }
        RingConfig old = ringConfig;
        ringConfig = config;
        return !config.equals(old);
    }

    /** Removes the punt links (also the capture links of older hosts) that a killed host left in the data plane. */
    private static List<String> removeStaleLinks() throws IOException {
        return PuntLinks.removeStaleIn();
    }

    /**
     * True when frames reach the sockets through the punt links (classified once by nftables); false
     * on the degrade path (no nftables): every socket is a packet tap on the data-plane namespace.
     */
    public boolean punting() {
        return punt != null;
    }

    public String nftBackend() {
        return nft == null ? "none (" + dropRulesUnavailable + ")" : nft.backend();
    }

    /** Why drop rules cannot be made here (nftables is not usable), or null when they can. */
    public String dropRulesUnavailable() {
        return dropRulesUnavailable;
    }

    /** One line for the commands and the log: drop rules are unavailable, and why. */
    public String dropRulesUnavailableText() {
        return dropRulesUnavailable == null ? null
                : "drop rules (UP_AND_DROP, EGRESS capture links) unavailable: " + dropRulesUnavailable;
    }

    /**
     * Refuses a filter that needs nftables (UP_AND_DROP: a drop rule, and for EGRESS a capture link)
     * where nftables is not usable, naming what is missing; before anything is made.
     */
    void requireRules(Filter f) {
        if (nft == null && f.action() == FilterAction.UP_AND_DROP) {
            throw new IllegalStateException("filter \"" + f.name() + "\" is UP_AND_DROP" + (f.direction().includesEgress() ? " at EGRESS" : "")
                    + ", which needs nftables drop rules and punt links, but "
                    + dropRulesUnavailable + "; UP_AND_CONTINUE filters (copy only) work without nftables");
        }
    }

    /**
     * The frame slot of a LATENCY (TPACKET_V2) ring: the smallest power of two, at least 2048, that holds
     * the kernel's header room (tpacket2_hdr + sockaddr_ll, aligned: {@value #V2_HEADROOM} bytes) and a
     * frame of the largest port MTU with an Ethernet header and a VLAN tag; at most the block size (a
     * longer frame is then truncated, as the address's captured length says).
     */
    static int latencyFrameSize(DataPlaneModel model, int blockSize) {
        int mtu = 1500;
        for (Port p : model.ports()) {
            mtu = Math.max(mtu, p.mtu());
        }
        int need = V2_HEADROOM + 14 + 4 + mtu;
        int size = Math.max(2048, Integer.highestOneBit(need - 1) << 1);
        return Math.min(size, blockSize);
    }

    /**
     * TPACKET_ALIGN(TPACKET2_HDRLEN + 16) + PACKET_RESERVE (80 + 4): where the kernel puts the network
     * header of a V2 frame, plus slack.
     */
    static final int V2_HEADROOM = 96;

    /** Opens a socket owned by {@code owner}: nothing comes up until a filter is set. */
    public PacketSocketImpl open(BundleIdentity owner) throws IOException {
        return open(owner, RxMode.THROUGHPUT);
    }

    /** As {@link #open(BundleIdentity, String, RxMode)} for the owner's packet service (no purpose). */
    public PacketSocketImpl open(BundleIdentity owner, RxMode mode) throws IOException {
        return open(owner, null, mode);
    }

    /**
     * Opens a socket owned by {@code owner} whose ring works in {@code mode}: THROUGHPUT is the
     * TPACKET_V3 ring of {@link RingConfig}; LATENCY a TPACKET_V2 ring of the same memory cut into frame
     * slots big enough for the largest port MTU (see {@link #latencyFrameSize}).
     *
     * @param purpose null for a socket of the owner's packet service; for a socket the handler
     *     whiteboard opens, what it is for (e.g. {@code (handlers)}): it is named
     *     {@code bsn (handlers) [id]} and {@link #closeAll} leaves it alone
     */
    public PacketSocketImpl open(BundleIdentity owner, String purpose, RxMode mode) throws IOException {
        if (owner == null) {
            throw new IllegalArgumentException("socket owner is null");
        }
        if (mode == null) {
            throw new IllegalArgumentException("receive mode is null (THROUGHPUT or LATENCY)");
        }
        if (closed) {
            throw new IllegalStateException("the expkt L2 provider is stopped");
        }
        long id = ids.incrementAndGet();
        PacketSocketImpl s;
        try {
            RingConfig ringConfig = this.ringConfig;
            // punting: the socket receives in the punt namespace and sends through a second socket in the
            // data plane that is bound to no protocol (so it is no packet tap: it sees no frame)
            int txFd = punt == null ? -1 : dataPlane.call(() -> PacketSockets.open(0));
            try {
            s = onSocketThread(() -> {
                int fd = PacketSockets.open(0);
                Arena ringArena = Arena.ofShared();
                try {
                    PacketSockets.attachFilter(fd, BpfCompiler.REJECT_ALL);
                    // headroom before each frame in the ring, so the receive path can put the outer VLAN tag
                    // the kernel moved into metadata back in place (whole frames; before the ring: EBUSY after)
                    PacketSockets.setInt(fd, PacketSockets.SOL_PACKET, RxRing.PACKET_RESERVE, RxRing.TAG_HEADROOM,
                            "PACKET_RESERVE " + RxRing.TAG_HEADROOM);
                    RxRing ring;
                    if (mode == RxMode.LATENCY) {
                        int frameSize = latencyFrameSize(model(), ringConfig.blockSize());
                        MemorySegment mapped = PacketSockets.rxRingV2(fd, ringConfig.blockSize(), ringConfig.blockNr(),
                                frameSize, ringArena);
                        ring = RxRing.v2(mapped, ringConfig.blockSize(), ringConfig.blockNr(), frameSize);
                    } else {
                        MemorySegment mapped = PacketSockets.rxRingV3(fd, ringConfig.blockSize(), ringConfig.blockNr(),
                                2048, ringConfig.retireMillis(), ringArena);
                        ring = new RxRing(mapped, ringConfig.blockSize(), ringConfig.blockNr());
                    }
                    // only now bind to every protocol: the reject-all program already guards the ring
                    PacketSockets.bind(fd, PacketSockets.ETH_P_ALL, 0);
                    return new PacketSocketImpl(this, id, owner, purpose, fd, txFd < 0 ? fd : txFd, ringArena, ring, mode);
                } catch (Exception e) {
                    ringArena.close();
                    Fds.closeQuietly(fd);
                    throw e;
                }
            });
            } catch (Exception e) {
                if (txFd >= 0) {
                    Fds.closeQuietly(txFd);
                }
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("cannot open a packet socket in " + dataPlane.describeNamespace() + ": " + e, e);
        }
        sockets.put(id, s);
        if (closed) {
            s.close();
            throw new IllegalStateException("the expkt L2 provider is stopped");
        }
        return s;
    }

    void forget(PacketSocketImpl s) {
        sockets.remove(s.id());
    }

    // ------------------------------------------------------------ hot upgrade: parked callback sockets

    /** The default grace period of a parked socket, ms (framework property {@code expkt.upgrade.grace.ms}, as the handlers'). */
    public static final long DEFAULT_GRACE_MILLIS = 3000;
    private volatile long graceMillis = DEFAULT_GRACE_MILLIS;
    /** The grace timers of parked sockets, by socket id. */
    private final Map<Long, java.util.concurrent.ScheduledFuture<?>> graceTimers = new ConcurrentHashMap<>();
    private final java.util.concurrent.ScheduledExecutorService graceTimer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("expkt-socket-grace").unstarted(r));

    /** How long a parked socket waits for the next revision of its bundle, ms (0: sockets are not parked). */
    public long graceMillis() {
        return graceMillis;
    }

    /** Sets the grace period of sockets parked from now on (the framework property {@code expkt.upgrade.grace.ms}). */
    public void graceMillis(long millis) {
        if (millis < 0) {
            throw new IllegalArgumentException("upgrade grace period " + millis + " ms is negative");
        }
        graceMillis = millis;
    }

    /** A socket closed now may be parked: the engine runs and the grace period is not 0. */
    boolean mayPark() {
        return !closed && graceMillis > 0;
    }

    /** {@code s} was parked: its grace period starts. False (nothing done) if the engine stops meanwhile. */
    boolean parked(PacketSocketImpl s) {
        if (closed) {
            return false;
        }
        schedule(s);
        if (closed) {
            unparked(s);
            return false;
        }
        return true;
    }

    private void schedule(PacketSocketImpl s) {
        long ms = graceMillis;
        java.util.concurrent.ScheduledFuture<?> f;
        try {
            f = graceTimer.schedule(() -> s.closeParked("nobody took it over within the grace period of " + ms + " ms"),
                    ms, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return; // stopping: close() closes every parked socket
        }
        java.util.concurrent.ScheduledFuture<?> before = graceTimers.put(s.id(), f);
        if (before != null) {
            before.cancel(false);
        }
    }

    /** {@code s} is not parked any more (adopted or closed): its grace timer goes. */
    void unparked(PacketSocketImpl s) {
        java.util.concurrent.ScheduledFuture<?> f = graceTimers.remove(s.id());
        if (f != null) {
            f.cancel(false);
        }
    }

    /** The parked socket that holds filter {@code filterName} for bundle {@code symbolicName}, or null. */
    PacketSocketImpl parkedFor(String symbolicName, String filterName) {
        FilterRegistry.Entry e = registry.get(filterName);
        if (e == null) {
            return null;
        }
        PacketSocketImpl s = e.socket();
        return s.isParked() && s.owner().symbolicName().equals(symbolicName) ? s : null;
    }

    /** The parked sockets, by id. */
    public List<PacketSocketImpl> parkedSockets() {
        List<PacketSocketImpl> l = new ArrayList<>();
        for (PacketSocketImpl s : sockets()) {
            if (s.isParked()) {
                l.add(s);
            }
        }
        return l;
    }

    /** Closes the parked sockets of bundle {@code bundleId} now (it was uninstalled); returns how many. */
    public int closeParked(long bundleId, String why) {
        int n = 0;
        for (PacketSocketImpl s : parkedSockets()) {
            if (s.owner().bundleId() == bundleId) {
                s.closeParked(why);
                n++;
            }
        }
        return n;
    }

    /** A bundle of this symbolic name was updated: its parked sockets wait a full grace period again. */
    public void restartGrace(String symbolicName) {
        for (PacketSocketImpl s : parkedSockets()) {
            if (s.owner().symbolicName().equals(symbolicName) && s.isParked()) {
                schedule(s);
                if (!s.isParked()) {
                    unparked(s); // adopted or closed meanwhile
                }
            }
        }
    }

    /** Open sockets, by id. */
    public List<PacketSocketImpl> sockets() {
        List<PacketSocketImpl> l = new ArrayList<>(sockets.values());
        l.sort((a, b) -> Long.compare(a.id(), b.id()));
        return Collections.unmodifiableList(l);
    }

    /**
     * Closes every socket {@code owner} opened through its packet service (its filters and rules go with
     * them; the handler whiteboard's sockets for the same bundle stay); returns how many.
     */
    public int closeAll(BundleIdentity owner) {
        int n = 0;
        List<PacketSocketImpl> mine = new ArrayList<>();
        for (PacketSocketImpl s : sockets()) {
            if (!s.isHandlerSocket() && s.owner().equals(owner) && !s.isParked()) {
                mine.add(s);
                s.stopCalls(); // every callback stops now; their running calls end in parallel
            }
        }
        long deadline = System.nanoTime() + LaneRegistry.CALL_DEADLINE_NANOS;
        for (PacketSocketImpl s : mine) {
            s.close(deadline);
            n++;
        }
        return n;
    }

    /** The ports a filter applies to: those of its VR (or the socket's, or every port). */
    public List<Port> portsOf(Filter f, int socketVrId) {
        DataPlaneModel m = model();
        List<Port> ports = portsOfVr(m, f, socketVrId);
        if (punt == null && m.hasVrSpaces()) {
            // the degrade path taps the data plane's namespace only: ports of VR namespaces need punt links
            // (notTapped says so for the filter's state)
            ports = ports.stream().filter(p -> m.spaceOf(p) == 0).toList();
        }
        return ports;
    }

    /** Exactly the ports of the filter's VR (those its port entries named, or all others for the data plane's own VR), or every port. */
    private List<Port> portsOfVr(DataPlaneModel m, Filter f, int socketVrId) {
        VrScope.Vr vr = null;
        if (f.vr() != null) {
            vr = vrScope.byName(f.vr());
        } else if (socketVrId >= 0) {
            vr = vrScope.byId(socketVrId);
        }
        return vr == null ? m.ports() : m.portsOfVr(vr.id());
    }

    /**
     * Why the filter (on a socket of VR {@code socketVrId}) does not get the frames of every port it
     * names, as a filter state ({@code NOT ENFORCED: ...}), or null when it does. Only on the degrade
     * path (no nftables, so no punt links): the sockets are packet taps in the data plane's own
     * namespace, so the ports of VR namespaces bring nothing up ({@link #portsOf} leaves them out).
     */
    public String notTapped(Filter f, int socketVrId) {
        DataPlaneModel m = model();
        if (punt != null || !m.hasVrSpaces()) {
            return null;
        }
        List<Port> missed = new ArrayList<>();
        List<Port> tapped = new ArrayList<>();
        java.util.Set<String> namespaces = new java.util.TreeSet<>();
        for (Port p : portsOfVr(m, f, socketVrId)) {
            int space = m.spaceOf(p);
            if (space == 0) {
                tapped.add(p);
            } else {
                missed.add(p);
                namespaces.add(dataPlane.describeSpace(space));
            }
        }
        if (missed.isEmpty()) {
            return null;
        }
        return "NOT ENFORCED: port(s) " + slotPorts(missed) + " live in VR namespace(s) " + String.join(", ", namespaces)
                + " and bring no frame up: without punt links the sockets are packet taps in the data-plane namespace "
                + dataPlane.describeNamespace() + " only (" + dropRulesUnavailable + "); "
                + (tapped.isEmpty() ? "the filter matches nothing" : "only its port(s) " + slotPorts(tapped) + " are tapped");
    }

    private static String slotPorts(List<Port> ports) {
        StringBuilder b = new StringBuilder();
        for (Port p : ports) {
            b.append(b.isEmpty() ? "" : ", ").append(p.slotPort()).append(" (").append(p.ifName()).append(' ').append(p.vr()).append(')');
        }
        return b.toString();
    }

    /**
     * Sets up a VR namespace (data-plane space {@code space}) that has ports: removes what a killed host
     * left there, starts its nftables table pointed at the punt links. On that namespace's thread.
     */
    private void setUpSpace(DataPlaneModel m, int space) throws Exception {
        if (spaceRules.containsKey(space)) {
            return;
        }
        List<String> stale = dataPlane.call(space, PuntLinks::removeStaleIn);
        NftRules rules = dataPlane.call(space, () -> NftRules.start(nftables));
        rules.puntTo(p -> PuntLinks.device(p, false), p -> PuntLinks.device(p, true));
        spaceRules.put(space, rules);
        if (!stale.isEmpty() || rules.leftover() != null) {
            log.warn("expkt L2 provider: a previous host left its kernel state in " + dataPlane.describeSpace(space)
                    + "; removed " + (rules.leftover() == null ? "" : rules.leftover() + " ") + stale, null);
        }
        syncSpace(m, space);
    }

    /** Makes the punt links and chains of space {@code space}'s ports and removes those of ports gone. */
    private void syncSpace(DataPlaneModel m, int space) throws Exception {
        NftRules rules = spaceRules.get(space);
        List<Port> ports = m.portsInSpace(space);
        dataPlane.call(space, () -> {
            rules.retainChains(ports);
            punt.retain(space, ports);
            punt.ensure(space, ports);
            rules.ensureChains(ports);
            return null;
        });
    }

    /** The send socket of VR namespace {@code space} (opened there on first use; closed with the engine). */
    public int txFdOf(int space) throws IOException {
        Integer fd = spaceTxFds.get(space);
        if (fd != null) {
            return fd;
        }
        synchronized (spaceTxFds) {
            fd = spaceTxFds.get(space);
            if (fd == null) {
                try {
                    fd = dataPlane.call(space, () -> PacketSockets.open(0));
                } catch (IOException | RuntimeException e) {
                    throw e;
                } catch (Exception e) {
                    throw new IOException("cannot open a send socket in " + dataPlane.describeSpace(space) + ": " + e, e);
                }
                spaceTxFds.put(space, fd);
            }
            return fd;
        }
    }

    /** Opens a transmit-ring socket where {@code port} lives (its VR namespace or the data plane's). */
    public int openTxSocket(Port port) throws Exception {
        return dataPlane.call(model().spaceOf(port), () -> PacketSockets.open(0));
    }

    /** Runs {@code task} where sockets are opened: the punt namespace, or the data plane's without punt links. */
    private <T> T onSocketThread(java.util.concurrent.Callable<T> task) throws Exception {
        return punt == null ? dataPlane.call(task) : punt.call(task);
    }

    /**
     * Checks that the kernel state a filter needs is there before it is installed: drop rules need
     * nftables; with punt links, each of its ports has one (made at start and when a port appears).
     */
    void prepare(Filter f, List<Port> ports) throws IOException {
        requireRules(f);
        if (punt != null) {
            DataPlaneModel m = model();
            for (Port p : ports) {
                if (punt.peerOf(m.keyOf(p), false) < 0) {
                    throw new IOException("port " + p.slotPort() + " (" + p.ifName() + ") has no punt link");
                }
            }
        }
    }

    public long[] compile(List<Filter> filters, int socketVrId) {
        DataPlaneModel m = model();
        List<BpfCompiler.CompiledFilter> cfs = new ArrayList<>();
        for (Filter f : filters) {
            List<Port> ports = portsOf(f, socketVrId);
            int[] idx = new int[ports.size()];
            for (int i = 0; i < idx.length; i++) {
                idx[i] = ports.get(i).ifIndex();
            }
            if (punt != null) {
                // the frames arrive on the punt links' far ends, each direction on its own, all as received there
                for (boolean egress : new boolean[] {false, true}) {
                    if (egress ? !f.direction().includesEgress() : !f.direction().includesIngress()) {
                        continue;
                    }
                    int[] peers = new int[ports.size()];
                    for (int i = 0; i < peers.length; i++) {
                        peers[i] = punt.peerOf(m.keyOf(ports.get(i)), egress);
                        if (peers[i] < 0) {
                            throw new IllegalStateException("no punt link for " + ports.get(i).slotPort() + " of filter " + f.name());
                        }
                    }
                    cfs.add(new BpfCompiler.CompiledFilter(f, peers, Direction.INGRESS));
                }
            } else {
                cfs.add(new BpfCompiler.CompiledFilter(f, idx));
            }
        }
        return BpfCompiler.compile(cfs);
    }

    /**
     * The port a frame seen on {@code ifIndex} belongs to: with punt links, the port whose punt link's
     * far end that is (the punt namespace numbers its interfaces apart from the data plane's); without,
     * the port itself. Null for anything else (allocation-free).
     */
    @Override
    public Port portOfFrame(DataPlaneModel m, int ifIndex) {
        return punt != null ? m.portByKey(punt.portOfPeer(ifIndex)) : m.portByIfIndex(ifIndex);
    }

    /** True if {@code ifIndex} is the far end of an egress punt link (its frames were leaving their port). */
    @Override
    public boolean isCapture(int ifIndex) {
        return punt != null && punt.isEgressPeer(ifIndex);
    }

    private static final java.lang.foreign.ValueLayout.OfShort BE_SHORT =
            java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN);
    private static final java.lang.foreign.ValueLayout.OfInt BE_INT =
            java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN);

    /**
     * The receive path's learning hook: the source MAC of a frame that arrived on a port (not an EGRESS
     * copy, not a frame the host sent) goes into the data plane's FDB with the port's model key (space
     * and ifindex: ports of VR namespaces learn too) and VLAN tag. Allocation-free.
     */
    @Override
    public void learn(DataPlaneModel m, int ifIndex, int vlan, int pkttype, MemorySegment frame, long offset, long nanoTime) {
        if (pkttype == PacketSockets.PACKET_OUTGOING || isCapture(ifIndex)) {
            return;
        }
        // the far end a frame came in on names its port's key; without punt links the taps see the data plane's own ifindexes
        int key = punt != null ? punt.portOfPeer(ifIndex) : ifIndex;
        if (key < 0 || m.portByKey(key) == null) {
            return; // not a port
        }
        long src = ((frame.get(BE_SHORT, offset + 6) & 0xFFFFL) << 32) | (frame.get(BE_INT, offset + 8) & 0xFFFF_FFFFL);
        dataPlane.fdb().learn(key, vlan, src, nanoTime);
    }

    /** The nft rules {@code f} gets on these ports. */
    NftRules.FilterRules rulesOf(Filter f, List<Port> ports) {
        return new NftRules.FilterRules(f, ports);
    }

    /**
     * Removes the rules of the filters named {@code remove} and adds {@code add}, in one nft transaction
     * per namespace with ports (the data plane's, then each VR namespace's: a transaction cannot span
     * namespaces, each has its own table); on failure nothing changed. {@code previous}: the rules
     * {@code remove} names have now, for the rollback. Without nftables: nothing to do (copy-only
     * filters have no rules).
     *
     * <p>When a later namespace's transaction fails after earlier ones were committed, those are rolled
     * back, newest first, each in one transaction of its own that removes the filters' new rules and puts
     * their {@code previous} ones back (those of ports that are still in that namespace: the chains of a
     * port gone are gone), and the failure is thrown. A rollback that fails too is attached to it as
     * suppressed and logged: that namespace then holds the new rules while the caller shows the filters
     * STALE or refused. A pure removal ({@code add} empty) is not rolled back: every namespace is tried,
     * and the first failure is thrown after the others.
     */
    void replaceRules(List<String> remove, List<NftRules.FilterRules> add, List<NftRules.FilterRules> previous) throws IOException {
        if ((closed || stoppingForUpdate.getAsBoolean()) && add.isEmpty()) {
            // the provider is stopping: the whole table goes after the sockets (closeNft), so each socket's close
            // need not list and edit it (that was one listing of every rule per socket: seconds for 50 sockets)
            return;
        }
        if (nft == null) {
            for (NftRules.FilterRules r : add) {
                requireRules(r.filter());
            }
            return;
        }
        if (spaceRules.isEmpty()) {
            onNamespaceThread(() -> {
                nft.replace(remove, add);
                return null;
            });
            return;
        }
        // one transaction per namespace, each with the filters' ports that live there
        DataPlaneModel m = model();
        List<Integer> spaces = new ArrayList<>();
        spaces.add(0);
        spaces.addAll(new java.util.TreeSet<>(spaceRules.keySet()));
        List<Integer> done = new ArrayList<>();
        IOException failure = null;
        for (int space : spaces) {
            List<NftRules.FilterRules> here = inSpace(m, add, space);
            try {
                replaceIn(space, remove, here);
                done.add(space);
            } catch (IOException e) {
                if (!add.isEmpty()) {
                    rollBack(m, done, add, previous, e);
                    throw e;
                }
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** One nft transaction in space {@code space}'s table. */
    private void replaceIn(int space, List<String> remove, List<NftRules.FilterRules> add) throws IOException {
        NftRules rules = space == 0 ? nft : spaceRules.get(space);
        if (rules == null) {
            return; // the namespace's table went with its ports
        }
        try {
            dataPlane.call(space, () -> {
                rules.replace(remove, add);
                return null;
            });
        } catch (IOException e) {
            throw space == 0 ? e : new IOException("in VR namespace " + dataPlane.describeSpace(space) + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new IOException((space == 0 ? "" : "in VR namespace " + dataPlane.describeSpace(space) + ": ") + e.getMessage(), e);
        } catch (Exception e) {
            throw new IOException(e);
        }
    }

    /** Undoes the committed transactions of {@code done}, newest first (see {@link #replaceRules}). */
    private void rollBack(DataPlaneModel m, List<Integer> done, List<NftRules.FilterRules> add, List<NftRules.FilterRules> previous,
                          IOException failure) {
        List<String> added = new ArrayList<>();
        for (NftRules.FilterRules r : add) {
            added.add(r.filter().name());
        }
        for (int k = done.size() - 1; k >= 0; k--) {
            int space = done.get(k);
            try {
                replaceIn(space, added, stillInSpace(m, previous, space));
            } catch (IOException | RuntimeException e) {
                failure.addSuppressed(e);
                log.error("rolling back the nftables rules of " + added + " in " + dataPlane.describeSpace(space) + " after "
                        + failure.getMessage() + " failed; that namespace keeps the new rules", e);
            }
        }
    }

    /** The rules of {@code rules} on the ports that are in space {@code space} of {@code m} now (same interface and ifindex). */
    private static List<NftRules.FilterRules> stillInSpace(DataPlaneModel m, List<NftRules.FilterRules> rules, int space) {
        List<NftRules.FilterRules> l = new ArrayList<>();
        for (NftRules.FilterRules r : rules) {
            List<Port> ports = new ArrayList<>();
            for (Port p : r.ports()) {
                Port now = m.ports().stream().filter(q -> q.slotPort().equals(p.slotPort())).findFirst().orElse(null);
                if (now != null && now.ifIndex() == p.ifIndex() && now.ifName().equals(p.ifName()) && m.spaceOf(now) == space) {
                    ports.add(now);
                }
            }
            if (!ports.isEmpty() || space == 0) {
                l.add(new NftRules.FilterRules(r.filter(), ports));
            }
        }
        return l;
    }

    /** The rules of {@code add} restricted to the ports of space {@code space} (filters with none there left out). */
    private static List<NftRules.FilterRules> inSpace(DataPlaneModel m, List<NftRules.FilterRules> add, int space) {
        List<NftRules.FilterRules> l = new ArrayList<>();
        for (NftRules.FilterRules r : add) {
            List<Port> ports = r.ports().stream().filter(p -> m.spaceOf(p) == space).toList();
            if (!ports.isEmpty() || space == 0) {
                l.add(new NftRules.FilterRules(r.filter(), ports));
            }
        }
        return l;
    }

    void removeRules(List<String> names) throws IOException {
        replaceRules(names, List.of(), List.of());
    }

    void removeRulesQuietly(List<String> names) {
        try {
            removeRules(names);
        } catch (IOException | RuntimeException e) {
            log.warn("removing nftables rules of " + names + " failed", e);
        }
    }

    /** Packets and bytes per filter name from the nftables counters. */
    public Map<String, long[]> counters() throws IOException {
        if (nft == null) {
            return Map.of();
        }
        Map<String, long[]> c = onNamespaceThread(nft::counters);
        if (spaceRules.isEmpty()) {
            return c;
        }
        // a filter's rules in several namespaces: its counters are their sums
        Map<String, long[]> sum = new java.util.HashMap<>();
        c.forEach((k, v) -> sum.put(k, v.clone()));
        for (Map.Entry<Integer, NftRules> e : spaceRules.entrySet()) {
            Map<String, long[]> more;
            try {
                more = dataPlane.call(e.getKey(), e.getValue()::counters);
            } catch (IOException | RuntimeException x) {
                throw x;
            } catch (Exception x) {
                throw new IOException(x);
            }
            more.forEach((k, v) -> sum.merge(k, v.clone(), (a, b) -> {
                for (int i = 0; i < Math.min(a.length, b.length); i++) {
                    a[i] += b[i];
                }
                return a;
            }));
        }
        return sum;
    }

    /** The provider's nftables table as nft lists it. */
    public String rulesetText() throws IOException {
        if (nft == null) {
            return dropRulesUnavailableText() + "\n";
        }
        StringBuilder text = new StringBuilder(onNamespaceThread(nft::listText));
        for (Map.Entry<Integer, NftRules> e : new java.util.TreeMap<>(spaceRules).entrySet()) {
            try {
                text.append("# VR namespace ").append(dataPlane.describeSpace(e.getKey())).append('\n')
                        .append(dataPlane.call(e.getKey(), e.getValue()::listText));
            } catch (IOException | RuntimeException x) {
                throw x;
            } catch (Exception x) {
                throw new IOException(x);
            }
        }
        return text.toString();
    }

    private <T> T onNamespaceThread(java.util.concurrent.Callable<T> task) throws IOException {
        try {
            return dataPlane.call(task);
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        }
    }

    /**
     * A new model, also one where only a port's MTU or link state changed (the data plane's link
     * thread): logs each port's change, and re-makes LATENCY rings whose frame slots no longer hold the
     * largest MTU. The send path needs nothing: it reads the model at every send.
     */
    private void linksChanged(DataPlaneModel model) {
        DataPlaneModel before = linkModel;
        linkModel = model;
        if (before != null) {
            for (Port p : model.ports()) {
                Port q = before.portByKey(model.keyOf(p)); // by key: a VR namespace's ifindexes are its own
                if (q == null || !q.slotPort().equals(p.slotPort())) {
                    continue;
                }
                if (q.mtu() != p.mtu()) {
                    log.info("expkt data plane: port " + p.slotPort() + " (" + p.ifName() + ") MTU " + q.mtu() + " -> " + p.mtu());
                }
                if (before.linkState(q) != model.linkState(p)) {
                    log.info("expkt data plane: port " + p.slotPort() + " (" + p.ifName() + ") link " + before.linkState(q) + " -> "
                            + model.linkState(p));
                }
            }
        }
        for (PacketSocketImpl s : sockets()) {
            if (s.rxMode() != RxMode.LATENCY) {
                continue;
            }
            try {
                s.fitRing(latencyFrameSize(model, s.ringBlockSize()));
            } catch (IOException | RuntimeException e) {
                log.error("re-making the receive ring of " + s + " for MTU " + model.maxMtu() + " failed", e);
            }
        }
    }

    private void modelChanged(DataPlaneModel model) {
        if (nft != null) {
            try {
                List<Port> own = model.portsInSpace(0);
                onNamespaceThread(() -> {
                    nft.retainChains(own);
                    punt.retain(own);
                    punt.ensure(own);
                    nft.ensureChains(own);
                    return null;
                });
            } catch (IOException e) {
                log.error("updating nftables chains for " + model + " failed", e);
            }
            java.util.Set<Integer> spaces = new java.util.TreeSet<>(spaceRules.keySet());
            for (int space : model.spaces()) {
                if (space != 0) {
                    spaces.add(space);
                }
            }
            for (int space : spaces) {
                try {
                    if (spaceRules.containsKey(space)) {
                        syncSpace(model, space);
                    } else {
                        setUpSpace(model, space);
                    }
                } catch (Exception e) {
                    // loud: expkt:ports shows it as the configuration's error, the filters on those ports are NOT ENFORCED
                    dataPlane.reject("the ports of VR namespace " + dataPlane.describeSpace(space) + " cannot be served: " + e);
                    log.error("setting up the punt links and nftables table of VR namespace " + dataPlane.describeSpace(space)
                            + " failed", e);
                }
            }
        }
        reapplyAll("the data plane's configuration " + model);
    }

    /**
     * Re-applies every socket's filters (each socket in one nft transaction). A socket whose re-apply
     * fails keeps its previous rules; its filters' state says so in {@code expkt:acl}.
     */
    private void reapplyAll(String why) {
        for (PacketSocketImpl s : sockets()) {
            try {
                s.reapply();
            } catch (IOException | RuntimeException e) {
                log.error("re-applying the filters of " + s + " to " + why + " failed; its previous rules stay in force", e);
            }
        }
    }

    /**
     * Closes every socket (a callback or handler call in progress is waited for, all together, up to
     * one {@link LaneRegistry#CALL_DEADLINE_NANOS}; one stuck past it is abandoned), the dispatch lanes
     * and the nftables table.
     */
    @Override
    public void close() {
        closeSockets();
        closeNft();
        lock.close();
    }

    private void closeSockets() {
        closed = true;
        dataPlane.removeListener(modelListener);
        dataPlane.removeLinkListener(linkListener);
        List<PacketSocketImpl> all = sockets();
        for (PacketSocketImpl s : all) {
            s.stopCalls();
        }
        long deadline = System.nanoTime() + LaneRegistry.CALL_DEADLINE_NANOS;
        for (PacketSocketImpl s : all) {
            s.close(deadline);
        }
        graceTimer.shutdownNow();
        for (PacketSocketImpl s : sockets()) {
            s.closeParked("the expkt L2 provider stops"); // parked before or during this close
        }
        dispatcher.close();
    }

    /**
     * Sets what says the provider is stopping for an update: sockets closed while it is true leave their
     * filters' rules in the table for {@link #park}.
     */
    public void stoppingForUpdate(java.util.function.BooleanSupplier updating) {
        this.stoppingForUpdate = updating == null ? () -> false : updating;
    }

    /**
     * Stops like {@link #close()} (every socket closed, the lanes, the VR namespaces' tables and links
     * removed), but leaves the kernel part of the data plane's own namespace in place for the next
     * revision and returns it as plain values: the punt namespace (its fd stays open), the punt links of
     * its ports and the nftables table with every rule in it (frames go on being punted, and dropped by
     * UP_AND_DROP filters, while no revision runs). Whoever gets the result owns those kernel objects.
     * Returns null when there is nothing to park (no nftables, the degrade path) or parking failed (then
     * everything was removed, as by close, and the failure logged).
     *
     * @param revision       who parks it (for the next revision's log)
     * @param dataPlaneNetns the data plane's namespace as the host names it (empty: the host's own)
     */
    public ParkedDataPlane park(String revision, String dataPlaneNetns) {
        closeSockets();
        if (nft == null || punt == null) {
            closeNft();
            lock.close();
            return null;
        }
        closeSpaces();
        ParkedDataPlane parked = null;
        try {
            parked = dataPlane.call(() -> {
                NftRules.State st = nft.detach();
                PuntLinks.Detached d = punt.detach();
                List<ParkedDataPlane.ParkedFilter> filters = new ArrayList<>();
                for (NftRules.FilterRules f : st.filters()) {
                    filters.add(new ParkedDataPlane.ParkedFilter(f.filter(), f.ports()));
                }
                return new ParkedDataPlane(revision, dataPlaneNetns, dataPlane.namespaceInode(), d.ns().fd(), d.ns().inode(),
                        d.links(), NftRules.FAMILY, NftRules.TABLE, st.chains(), st.maps(), st.hookRules(), filters);
            });
        } catch (Exception e) {
            log.warn("expkt L2 provider: parking the data plane's kernel part for the next revision failed; removing it", e);
            try {
                dataPlane.call(() -> {
                    nft.close(); // whatever detach left: the table goes
                    punt.close();
                    return null;
                });
            } catch (Exception x) {
                log.warn("removing the nftables table failed", x);
            }
        }
        lock.close();
        return parked;
    }

    private void closeNft() {
        closeSpaces();
        try {
            dataPlane.call(() -> {
                if (nft != null) {
                    nft.close();
                }
                if (punt != null) {
                    punt.close();
                }
                return null;
            });
        } catch (Exception e) {
            log.warn("removing the nftables table failed", e);
        }
    }

    private void closeSpaces() {
        for (Map.Entry<Integer, NftRules> e : spaceRules.entrySet()) {
            try {
                dataPlane.call(e.getKey(), () -> {
                    e.getValue().close();
                    return null;
                });
            } catch (Exception x) {
                log.warn("removing the nftables table of VR namespace " + dataPlane.describeSpace(e.getKey()) + " failed", x);
            }
        }
        spaceRules.clear();
        for (int fd : spaceTxFds.values()) {
            Fds.closeQuietly(fd);
        }
        spaceTxFds.clear();
    }
}
