package expkt.provider.runtime;

import expkt.api.net.SlotPort;
import expkt.api.packet.Filter;
import expkt.api.packet.Port;
import expkt.api.packet.Vlan;
import expkt.api.runtime.DataPlaneDTO;
import expkt.api.runtime.FdbDTO;
import expkt.api.runtime.FdbEntryDTO;
import expkt.api.runtime.ExpktRuntime;
import expkt.api.runtime.FilterDTO;
import expkt.api.runtime.HandlerDTO;
import expkt.api.runtime.LaneDTO;
import expkt.api.runtime.PortDTO;
import expkt.api.runtime.ProviderRevisionDTO;
import expkt.api.runtime.RuntimeDTO;
import expkt.api.runtime.SocketDTO;
import expkt.api.runtime.VlanDTO;
import expkt.api.runtime.VlanMembershipDTO;
import expkt.api.runtime.VrDTO;
import expkt.api.runtime.VrSocketDTO;
import expkt.api.spi.VrSocketListing;
import expkt.api.vr.VirtualRouter;
import expkt.api.vr.VirtualRouters;
import expkt.provider.dataplane.DataPlaneModel;
import expkt.provider.dispatch.HandleTimes;
import expkt.provider.dataplane.Fdb;
import expkt.provider.dispatch.LaneRegistry;
import expkt.provider.dispatch.Registration;
import expkt.provider.socket.FilterRegistry;
import expkt.provider.socket.L2Engine;
import expkt.provider.socket.PacketSocketImpl;
import expkt.provider.whiteboard.HandlerRuntime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@link ExpktRuntime} over an {@link L2Engine}: copies what the engine, the handler runtime (if the
 * whiteboard runs), the dispatch lanes and the VR registry (if bundle expkt.vr runs) know into fresh
 * DTOs. Kept apart from the DS component so it is usable outside OSGi (tests, the command tables).
 *
 * <p>Threading: any thread. Reads volatile single-writer counters; takes the filter registry's, the
 * lane registry's and the handler runtime's own locks briefly (none of them is taken per frame), reads
 * the nftables counters through the engine (milliseconds), waits for no bundle code.
 */
public final class RuntimeSnapshots implements ExpktRuntime {
    /** Finds the {@code service.id} of the handler served for a bundle's filter, or -1. */
    @FunctionalInterface
    public interface ServiceIds {
        ServiceIds NONE = (bundleId, filterName) -> -1;

        long serviceId(long bundleId, String filterName);
    }

    private final L2Engine engine;
    private final Supplier<HandlerRuntime> handlers;
    private final ServiceIds serviceIds;
    private final Supplier<VirtualRouters> vrs;
    private final ProviderRevisionDTO revision;

    /**
     * @param handlers the handler runtime, or a supplier of null while the whiteboard does not run
     * @param vrs the VR registry, or a supplier of null while bundle expkt.vr does not run
     * @param revision the provider revision answering (copied into every DTO that names it)
     */
    public RuntimeSnapshots(L2Engine engine, Supplier<HandlerRuntime> handlers, ServiceIds serviceIds,
                            Supplier<VirtualRouters> vrs, ProviderRevisionDTO revision) {
        this.engine = engine;
        this.handlers = handlers;
        this.serviceIds = serviceIds;
        this.vrs = vrs;
        this.revision = revision;
    }

    /** Snapshots of an engine outside OSGi: no whiteboard unless given, no VR registry, bundle id -1. */
    public static RuntimeSnapshots of(L2Engine engine, HandlerRuntime runtime) {
        ProviderRevisionDTO r = new ProviderRevisionDTO();
        r.bundleId = -1;
        r.symbolicName = "expkt.provider";
        r.version = "-";
        return new RuntimeSnapshots(engine, () -> runtime, ServiceIds.NONE, () -> null, r);
    }

    @Override
    public RuntimeDTO snapshot() {
        RuntimeDTO s = new RuntimeDTO();
        s.timeMillis = System.currentTimeMillis();
        s.dataPlane = dataPlane();
        s.ports = ports();
        s.vlans = vlans();
        s.vrs = vrs();
        s.filters = filters();
        s.sockets = sockets();
        s.vrSockets = vrSockets();
        s.handlers = handlers();
        s.lanes = lanes();
        return s;
    }

    private ProviderRevisionDTO revision() {
        ProviderRevisionDTO r = new ProviderRevisionDTO();
        r.bundleId = revision.bundleId;
        r.symbolicName = revision.symbolicName;
        r.version = revision.version;
        r.lastModified = revision.lastModified;
        return r;
    }

    @Override
    public DataPlaneDTO dataPlane() {
        DataPlaneDTO d = new DataPlaneDTO();
        d.provider = revision();
        d.namespace = engine.dataPlane().describeNamespace();
        DataPlaneModel m = engine.servedModel();
        d.vr = m.vrName();
        d.vrId = m.vrId();
        d.modelSource = m.source();
        d.configurationRejected = engine.dataPlane().lastError();
        d.linkError = engine.dataPlane().linkError();
        d.dropRulesUnavailable = engine.dropRulesUnavailable();
        L2Engine.RingConfig ring = engine.ringConfig();
        d.ringBlocks = ring.blockNr();
        d.ringBlockSize = ring.blockSize();
        d.ringRetireMillis = ring.retireMillis();
        LaneRegistry lanes = engine.dispatcher();
        d.dispatchCalls = lanes.calls();
        d.dispatchErrors = lanes.errors();
        d.dispatchStuck = lanes.stuckTotal();
        HandlerRuntime runtime = handlers.get();
        d.parkedGraceMillis = runtime == null ? -1 : runtime.graceMillis();
        return d;
    }

    @Override
    public List<PortDTO> ports() {
        DataPlaneModel m = engine.servedModel();
        List<PortDTO> l = new ArrayList<>();
        for (Port p : m.ports()) {
            PortDTO d = new PortDTO();
            d.slotPort = p.slotPort().toString();
            d.ifName = p.ifName();
            d.ifIndex = p.ifIndex();
            d.mac = p.mac().toString();
            d.mtu = p.mtu();
            d.operState = m.linkState(p).toString();
            d.vr = p.vr();
            d.vlans = new ArrayList<>();
            for (Vlan v : m.vlans()) {
                boolean tagged = v.tagged().contains(p.slotPort());
                if (tagged || v.untagged().contains(p.slotPort())) {
                    VlanMembershipDTO mem = new VlanMembershipDTO();
                    mem.vlan = v.name();
                    mem.tag = v.tag();
                    mem.tagged = tagged;
                    d.vlans.add(mem);
                }
            }
            l.add(d);
        }
        return l;
    }

    @Override
    public List<VlanDTO> vlans() {
        List<VlanDTO> l = new ArrayList<>();
        for (Vlan v : engine.servedModel().vlans()) {
            VlanDTO d = new VlanDTO();
            d.name = v.name();
            d.tag = v.tag();
            d.tagged = sorted(v.tagged());
            d.untagged = sorted(v.untagged());
            l.add(d);
        }
        return l;
    }

    private static List<String> sorted(java.util.Set<SlotPort> ports) {
        return new ArrayList<>(ports.stream().sorted().map(SlotPort::toString).toList());
    }

    @Override
    public List<VrDTO> vrs() {
        DataPlaneModel m = engine.servedModel();
        VirtualRouters registry = vrs.get();
        List<VrDTO> l = new ArrayList<>();
        if (registry != null) {
            try {
                int hostDefault = registry.hostDefault().id();
                for (VirtualRouter vr : registry.list()) {
                    VrDTO d = new VrDTO();
                    d.id = vr.id();
                    d.name = vr.name();
                    d.backend = vr.backend().name();
                    d.location = vr.location();
                    d.hostDefault = vr.id() == hostDefault;
                    d.dataPlane = vr.id() == m.vrId() || !m.portsOfVr(vr.id()).isEmpty(); // the data plane's VR, or one with ports in a VR namespace
                    d.registered = true;
                    l.add(d);
                }
                return l;
            } catch (RuntimeException e) {
                // the registry went away under us (its bundle stopping): show what the data plane knows
                l.clear();
            }
        }
        VrDTO d = new VrDTO();
        d.id = m.vrId();
        d.name = m.vrName();
        d.dataPlane = true;
        d.registered = false;
        l.add(d);
        return l;
    }

    /**
     * {@inheritDoc}
     *
     * @throws UncheckedIOException if the nftables counters cannot be read
     */
    @Override
    public List<FilterDTO> filters() {
        Map<String, long[]> counters;
        try {
            counters = engine.counters();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the nftables counters of the filters in "
                    + engine.dataPlane().describeNamespace() + ": " + e.getMessage(), e);
        }
        boolean counted = engine.dropRulesUnavailable() == null;
        List<FilterDTO> l = new ArrayList<>();
        for (FilterRegistry.Entry e : engine.registry().entries()) {
            Filter f = e.filter();
            PacketSocketImpl s = e.socket();
            FilterDTO d = new FilterDTO();
            d.name = f.name();
            String state = s.filterState(f.name());
            int colon = state.indexOf(": ");
            d.state = colon > 0 ? state.substring(0, colon) : state;
            d.reason = colon > 0 ? state.substring(colon + 2) : null;
            d.ownerBundleId = s.owner().bundleId();
            d.owner = s.ownerName();
            d.socketId = s.id();
            d.match = f.describeMatch();
            d.dstmac = f.dstmac() == null ? null : f.dstmac().toString();
            d.ethertype = f.hasEthertype() ? f.ethertype() : -1;
            d.ethertypeOffset = f.ethertypeOffset();
            d.action = f.action().name();
            d.direction = f.direction().name();
            d.vr = f.vr();
            d.counted = counted;
            long[] c = counters.get(f.name());
            d.packets = !counted ? -1 : c == null ? 0 : c[0];
            d.bytes = !counted ? -1 : c == null ? 0 : c[1];
            l.add(d);
        }
        return l;
    }

    @Override
    public List<SocketDTO> sockets() {
        List<SocketDTO> l = new ArrayList<>();
        String vr = engine.servedModel().vrName();
        for (PacketSocketImpl s : engine.sockets()) {
            SocketDTO d = new SocketDTO();
            d.id = s.id();
            d.kind = SocketDTO.L2;
            d.ownerBundleId = s.owner().bundleId();
            d.owner = s.ownerName();
            d.vr = vr;
            d.rxMode = s.rxMode().name();
            d.blocking = s.isBlocking();
            d.callback = s.hasCallback();
            d.filters = new ArrayList<>(s.filters().stream().map(Filter::name).toList());
            d.frames = s.received();
            d.kernelDrops = s.drops();
            Registration r = engine.dispatcher().registration(s.id());
            d.lane = r == null ? null : r.laneName();
            d.busyPollMicros = s.busyPollMicros();
            d.servedBy = revision();
            d.parkedMillis = s.parkedMillis();
            d.parked = d.parkedMillis >= 0;
            d.revisions = s.revisions();
            d.adoptedFrom = s.adoptedFrom();
            l.add(d);
        }
        return l;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Asks the VR registry's service object ({@link VrSocketListing}, bundle expkt.vr); the provider
     * holds no socket of the VR bundle and depends on none of its code.
     */
    @Override
    public List<VrSocketDTO> vrSockets() {
        if (vrs.get() instanceof VrSocketListing listing) {
            try {
                return new ArrayList<>(listing.vrSockets());
            } catch (RuntimeException e) {
                // the registry went away under us (its bundle stopping): as if it did not run
            }
        }
        return new ArrayList<>();
    }

    @Override
    public List<HandlerDTO> handlers() {
        List<HandlerDTO> l = new ArrayList<>();
        LaneRegistry lanes = engine.dispatcher();
        HandlerRuntime runtime = handlers.get();
        if (runtime != null) {
            for (HandlerRuntime.Info i : runtime.handlers()) {
                HandlerDTO d = new HandlerDTO();
                d.kind = HandlerDTO.HANDLER;
                d.bundleId = i.bundleId();
                d.symbolicName = i.symbolicName();
                d.version = i.version();
                d.filter = i.filterName();
                d.state = i.state();
                d.rejected = i.state().startsWith("REJECTED");
                d.reason = d.rejected ? i.state().substring(i.state().indexOf(':') + 1).strip() : null;
                d.match = d.rejected ? null : i.match();
                d.stuck = i.state().startsWith("stuck");
                d.backedOff = i.state().startsWith("backed off");
                d.parked = i.state().startsWith("parked");
                d.serviceId = d.rejected || d.parked || d.stuck ? -1 : serviceIds.serviceId(i.bundleId(), i.filterName());
                d.socketId = i.socketId();
                Registration r = i.socketId() < 0 ? null : lanes.registration(i.socketId());
                d.isolated = r != null && r.isolated();
                d.lane = i.lane() == null || "-".equals(i.lane()) ? null : i.lane();
                d.frames = i.frames();
                d.drops = i.drops();
                d.exceptions = i.exceptions();
                d.handleNanos = i.nanos();
                d.busyPollMicros = busyPollOf(i.socketId());
                if (i.handleTimeCounts() != null) {
                    d.handleTimeBoundsNanos = handleTimeBounds();
                    d.handleTimeCounts = i.handleTimeCounts();
                    d.handleTimeSumNanos = i.handleTimeSumNanos();
                }
                d.versions = i.versions();
                d.servedBy = d.rejected ? null : revision();
                l.add(d);
            }
        }
        for (PacketSocketImpl s : engine.sockets()) {
            long parkedMillis = s.parkedMillis();
            if (parkedMillis >= 0) {
                // a callback socket its stopping bundle closed, kept for the bundle's next revision
                HandlerDTO d = new HandlerDTO();
                d.kind = HandlerDTO.CALLBACK;
                d.serviceId = -1;
                d.bundleId = s.owner().bundleId();
                d.symbolicName = s.ownerName();
                d.filter = String.join(",", s.filterNames());
                d.state = "parked " + parkedMillis + " ms";
                d.parked = true;
                d.socketId = s.id();
                d.lane = "-";
                d.frames = s.received();
                d.drops = s.drops();
                d.busyPollMicros = s.busyPollMicros();
                d.handleTimeBoundsNanos = handleTimeBounds();
                d.handleTimeCounts = new long[HandleTimes.BUCKETS];
                d.versions = s.revisions();
                d.servedBy = revision();
                l.add(d);
                continue;
            }
            Registration r = s.callbackRegistration();
            if (r == null) {
                continue;
            }
            HandlerDTO d = new HandlerDTO();
            d.kind = HandlerDTO.CALLBACK;
            d.serviceId = -1;
            d.bundleId = s.owner().bundleId();
            d.symbolicName = s.ownerName();
            d.filter = String.join(",", s.filterNames());
            d.state = r.state() + " " + r.calls() + " calls";
            d.stuck = r.stuck();
            d.backedOff = r.state().startsWith("backed off");
            d.isolated = r.isolated();
            d.socketId = s.id();
            d.lane = r.laneName();
            d.frames = s.received();
            d.drops = s.drops();
            d.exceptions = r.errors();
            d.handleNanos = r.nanos();
            d.busyPollMicros = s.busyPollMicros();
            d.handleTimeBoundsNanos = handleTimeBounds();
            d.handleTimeCounts = new long[HandleTimes.BUCKETS];
            d.handleTimeSumNanos = r.handleTimes().addTo(d.handleTimeCounts);
            d.servedBy = revision();
            l.add(d);
        }
        return l;
    }

    /** The upper bounds of the provider's handle-time buckets, ns (a copy per DTO: the caller owns it). */
    private static long[] handleTimeBounds() {
        long[] b = new long[HandleTimes.BUCKETS];
        for (int i = 0; i < b.length; i++) {
            b[i] = HandleTimes.upperBoundNanos(i);
        }
        return b;
    }

    @Override
    public List<LaneDTO> lanes() {
        List<LaneDTO> l = new ArrayList<>();
        for (LaneRegistry.LaneInfo i : engine.dispatcher().laneInfos()) {
            LaneDTO d = new LaneDTO();
            d.name = i.name();
            d.thread = i.thread();
            d.registrations = i.registrations();
            d.dedicated = i.dedicated();
            d.wakeups = i.wakeups();
            d.calls = i.calls();
            d.busyNanos = i.busyNanos();
            d.busyPollMicros = i.busyPollMicros();
            d.polls = i.polls();
            d.spinNanos = i.spinNanos();
            l.add(d);
        }
        return l;
    }

    /** The busy-poll budget in force of socket {@code id}, µs; 0 if it is gone. */
    private int busyPollOf(long id) {
        for (PacketSocketImpl s : engine.sockets()) {
            if (s.id() == id) {
                return s.busyPollMicros();
            }
        }
        return 0;
    }

    /** How long {@link #fdb()} waits for the kernel's dump of its bridge entries. */
    static final long FDB_DUMP_WAIT_MILLIS = 500;

    @Override
    public FdbDTO fdb() {
        DataPlaneModel m = engine.servedModel();
        Fdb fdb = engine.dataPlane().fdb();
        FdbDTO d = new FdbDTO();
        List<Fdb.Entry> entries = fdb.entries(FDB_DUMP_WAIT_MILLIS);
        d.followsKernel = fdb.followsKernel();
        d.kernelError = fdb.kernelError();
        d.agingMillis = Fdb.AGING_MILLIS;
        d.capacity = Fdb.capacity();
        d.learned = fdb.learnedCount();
        d.tableFull = fdb.tableFull();
        d.forwardedSends = fdb.forwardedSends();
        d.floodedSends = fdb.floodedSends();
        List<Fdb.Entry> sorted = new ArrayList<>(entries);
        sorted.sort(java.util.Comparator.comparing(Fdb.Entry::source).thenComparingInt(Fdb.Entry::vlan)
                .thenComparingLong(Fdb.Entry::mac));
        d.entries = new ArrayList<>();
        java.util.Map<Integer, String> otherNames = null;
        for (Fdb.Entry e : sorted) {
            FdbEntryDTO r = new FdbEntryDTO();
            r.mac = macText(e.mac());
            r.tag = e.vlan();
            Port p = m.portByKey(e.port());
            r.port = p == null ? null : p.slotPort().toString();
            if (p == null && otherNames == null) {
                otherNames = interfaceNames();
            }
            r.ifName = p != null ? p.ifName() : otherNames.getOrDefault(e.port(), "if" + e.port());
            r.ifIndex = p != null ? p.ifIndex() : e.port();
            r.source = e.source() == Fdb.Source.KERNEL ? "kernel" : "learned";
            r.ageMillis = e.ageMillis();
            List<String> vlans = new ArrayList<>();
            if (p != null) {
                for (Vlan v : m.vlans()) {
                    boolean tagged = v.tagged().contains(p.slotPort());
                    boolean untagged = v.untagged().contains(p.slotPort());
                    boolean counts = e.vlan() >= 0 ? v.tag() == e.vlan() && (tagged || untagged)
                            : e.source() == Fdb.Source.KERNEL ? tagged || untagged : untagged;
                    if (counts) {
                        vlans.add(v.name());
                    }
                }
            }
            java.util.Collections.sort(vlans);
            r.vlans = vlans;
            d.entries.add(r);
        }
        return d;
    }

    private static String macText(long mac) {
        StringBuilder b = new StringBuilder(17);
        for (int k = 5; k >= 0; k--) {
            b.append(String.format("%02x", (mac >>> (8 * k)) & 0xFF));
            if (k > 0) {
                b.append(':');
            }
        }
        return b.toString();
    }

    /** The names of the data-plane namespace's interfaces by ifindex (for entries on an interface that is no port); empty if unreadable. */
    private java.util.Map<Integer, String> interfaceNames() {
        try {
            return engine.dataPlane().call(() -> {
                java.util.Map<Integer, String> names = new java.util.HashMap<>();
                for (expkt.linux.NetInterfaces.NetInterface i : expkt.linux.NetInterfaces.list()) {
                    names.put(i.index(), i.name());
                }
                return names;
            });
        } catch (Exception e) {
            return java.util.Map.of();
        }
    }
}
