package expkt.protocol.lldp;

import expkt.api.net.MacAddress;
import expkt.api.net.SlotPort;
import expkt.api.operator.Printable;
import expkt.api.packet.Port;
import expkt.codec.FrameBuilder;
import expkt.codec.MalformedPacketException;
import expkt.codec.lldp.Lldp;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The LLDP agent without OSGi: receive ({@link #receive}), timers ({@link #tick}: port discovery,
 * aging, transmission), {@link #shutdown} and the state handed to the next version. The DS component
 * {@link LldpAgent} and the socket-level tests drive it.
 *
 * <p>Threading: {@link #receive} is called by one thread (the dispatcher's), {@link #tick} and
 * {@link #shutdown} by another (the tx timer); the table, scheduler and counters are thread-safe, and
 * each side has its own codec and frame buffer. Not on a hot path: an LLDPDU arrives per neighbour
 * every few seconds, so parsing allocates (strings for the table).
 */
public final class LldpAgentCore {
    /** Sends one frame out of exactly one port. */
    @FunctionalInterface
    public interface FrameSender {
        void send(ByteBuffer frame, SlotPort port) throws IOException;
    }

    private final LldpduCodec rxCodec = new LldpduCodec();
    private final byte[] txBuffer = new byte[LldpduCodec.MAX_FRAME];
    private final FrameBuilder txBuilder = new FrameBuilder(txBuffer);
    /** The frame as the socket gets it, re-pointed per send (guarded by txBuilder). */
    private final ByteBuffer txView = ByteBuffer.wrap(txBuffer);
    /** What we advertise, per settings and per port (guarded by txBuilder). */
    private LldpSettings txSettings;
    private LldpduCodec.LocalSystem txSystem;
    private final Map<SlotPort, LldpduCodec.LocalPort> txPorts = new HashMap<>();
    private final NeighborTable table;
    private final TxScheduler scheduler;
    private final LldpStats stats = new LldpStats();
    private volatile LldpSettings settings;
    private volatile String lastError;
    private volatile List<String> unknownKeys = List.of();

    public LldpAgentCore(LldpSettings settings) {
        this.settings = settings;
        this.table = new NeighborTable(settings.maxNeighbors());
        this.scheduler = new TxScheduler(settings.txIntervalSeconds() * 1000L, settings.fastCount());
    }

    public LldpSettings settings() {
        return settings;
    }

    /** A new configuration: timers follow at once (a shorter interval shortens the wait). */
    public void reconfigure(LldpSettings s, long nowMillis) {
        scheduler.configure(s.txIntervalSeconds() * 1000L, s.fastCount(), nowMillis);
        this.settings = s;
    }

    public NeighborTable table() {
        return table;
    }

    public TxScheduler scheduler() {
        return scheduler;
    }

    public LldpStats stats() {
        return stats;
    }

    /** Configuration keys the agent does not know (ignored), as {@link expkt.api.operator.ConfigKeys#unknown} named them. */
    public void unknownKeys(List<String> keys) {
        this.unknownKeys = List.copyOf(keys);
    }

    public List<String> unknownKeys() {
        return unknownKeys;
    }

    /** The last send or parse error, for lldp:stats; null if none. */
    public String lastError() {
        return lastError;
    }

    /**
     * One received frame on {@code port}. A frame that is not a valid LLDPDU is counted as discarded
     * (and returned as null); it never throws.
     */
    public NeighborTable.Change receive(MemorySegment segment, long offset, int length, String port, long nowMillis) {
        stats.framesIn.incrementAndGet();
        Neighbor n;
        try {
            n = rxCodec.parse(segment, offset, length, port, nowMillis);
        } catch (MalformedPacketException e) {
            stats.discarded(e.header() + " " + e.field());
            lastError = "discarded a frame on " + port + ": " + e.getMessage();
            return null;
        }
        if (n.ttl() == 0) {
            stats.shutdownsIn.incrementAndGet();
        }
        return table.apply(n);
    }

    /**
     * The timer's work at {@code nowMillis}: follows the port list (new ports start fast, neighbours of
     * ports gone are dropped), ages neighbours out, and sends the LLDPDUs that are due.
     */
    public void tick(List<Port> ports, long nowMillis, FrameSender sender) {
        Map<String, Port> byName = new LinkedHashMap<>();
        for (Port p : ports) {
            byName.put(p.slotPort().toString(), p);
        }
        for (String gone : scheduler.syncPorts(byName.keySet(), nowMillis)) {
            table.removePort(gone);
        }
        table.expire(nowMillis);
        MacAddress chassis = chassisMac(ports);
        for (String name : scheduler.due(nowMillis)) {
            Port p = byName.get(name);
            if (p != null) {
                send(p, chassis, settings.ttl(), sender);
            }
        }
    }

    /**
     * Sends a shutdown LLDPDU (TTL 0) on every port, so that neighbours forget us at once.
     *
     * @return on how many of {@code ports} it was sent (a failed send is counted as a send error)
     */
    public int shutdown(List<Port> ports, FrameSender sender) {
        MacAddress chassis = chassisMac(ports);
        int sent = 0;
        for (Port p : ports) {
            if (send(p, chassis, 0, sender)) {
                stats.shutdownsOut.incrementAndGet();
                sent++;
            }
        }
        return sent;
    }

    /**
     * Writes the LLDPDU for {@code p} into {@link #txFrame()} and returns its length. Allocates
     * nothing once a port was sent on (issue 14, {@code LldpTxAllocationTest}): what we advertise
     * is kept per settings and per port, and rebuilt only when it changes (new settings, a port's
     * name or MAC or the chassis ID changed), not per LLDPDU.
     */
    int writeLldpdu(Port p, MacAddress chassis, int ttl) {
        LldpSettings s = settings;
        synchronized (txBuilder) {
            if (txSettings != s) {
                txSettings = s;
                txSystem = new LldpduCodec.LocalSystem(s.systemName(), s.systemDescription(),
                        Lldp.CAPABILITY_BRIDGE | Lldp.CAPABILITY_ROUTER, Lldp.CAPABILITY_BRIDGE, s.managementAddress());
            }
            LldpduCodec.LocalPort local = txPorts.get(p.slotPort());
            if (local == null || !local.chassisMac().equals(chassis) || !java.util.Objects.equals(local.portDescription(), p.ifName())
                    || !java.util.Objects.equals(local.portMac(), p.mac())) {
                if (txPorts.size() > 4096) {
                    txPorts.clear(); // ports come and go: keep the cache bounded
                }
                local = new LldpduCodec.LocalPort(chassis, p.slotPort().toString(), p.ifName(), p.mac());
                txPorts.put(p.slotPort(), local);
            }
            return LldpduCodec.build(txBuilder, local, txSystem, ttl);
        }
    }

    byte[] txFrame() {
        return txBuffer;
    }

    private boolean send(Port p, MacAddress chassis, int ttl, FrameSender sender) {
        int len;
        synchronized (txBuilder) {
            len = writeLldpdu(p, chassis, ttl);
            try {
                sender.send(txView.clear().limit(len), p.slotPort());
                stats.framesOut.incrementAndGet();
                return true;
            } catch (IOException | RuntimeException e) {
                stats.sendErrors.incrementAndGet();
                lastError = "send on " + p.slotPort() + " (" + p.ifName() + ") failed: " + e.getMessage();
                return false;
            }
        }
    }

    /** The configured chassis MAC, else the lowest port MAC (stable while the ports stay). */
    MacAddress chassisMac(List<Port> ports) {
        if (settings.chassisMac() != null) {
            return settings.chassisMac();
        }
        MacAddress lowest = null;
        for (Port p : ports) {
            if (p.mac() != null && (lowest == null || Long.compareUnsigned(p.mac().toLong(), lowest.toLong()) < 0)) {
                lowest = p.mac();
            }
        }
        return lowest != null ? lowest : MacAddress.of(0x02_00_00_00_00_01L);
    }

    /** Neighbour table, tx timers and counters in JDK types ({@link expkt.api.handler.StateHandover}). */
    public Map<String, Object> saveState() {
        Map<String, Object> m = new HashMap<>();
        m.put("version", 1);
        m.put("table", table.toState());
        m.put("tx", scheduler.toState());
        m.put("stats", stats.toState());
        return m;
    }

    /** Takes over what {@link #saveState()} left; an empty map (first start) changes nothing. */
    public void restoreState(Map<?, ?> state) {
        if (state == null || state.isEmpty()) {
            return;
        }
        if (state.get("table") instanceof Map<?, ?> t) {
            table.restore(t);
        }
        if (state.get("tx") instanceof Map<?, ?> tx) {
            scheduler.restore(tx);
        }
        if (state.get("stats") instanceof Map<?, ?> st) {
            stats.restore(st);
        }
    }

    /** The table as {@code lldp:neighbors} prints it. */
    public String formatNeighbors(long nowMillis) {
        List<Neighbor> list = table.list();
        StringBuilder b = new StringBuilder();
        b.append(String.format("%-6s %-20s %-22s %-20s %5s  %s%n", "Port", "Chassis ID", "Port ID", "System name", "TTL", "Details"));
        for (Neighbor n : list) {
            long left = Math.max(0, (n.expiresMillis() - nowMillis + 999) / 1000);
            List<String> details = new ArrayList<>();
            if (n.portDescription() != null) {
                details.add("port-descr=" + n.portDescription());
            }
            if (n.systemCapabilities() >= 0) {
                details.add(String.format("caps=0x%02x/0x%02x", n.systemCapabilities(), n.enabledCapabilities()));
            }
            if (!n.managementAddresses().isEmpty()) {
                details.add("mgmt=" + String.join(",", n.managementAddresses()));
            }
            if (n.systemDescription() != null) {
                details.add("descr=" + n.systemDescription());
            }
            // the table keeps display text already (LldpduCodec); escaping again is a no-op for it and covers
            // what a previous version of the bundle handed over raw
            b.append(String.format("%-6s %-20s %-22s %-20s %5d  %s%n", n.port(), Printable.escape(n.chassisId()),
                    Printable.escape(n.portId()), n.systemName() == null ? "-" : Printable.escape(n.systemName()), left,
                    Printable.escape(String.join(" ", details))));
        }
        b.append(list.size()).append(list.size() == 1 ? " neighbour" : " neighbours").append(System.lineSeparator());
        return b.toString();
    }

    /** Counters as {@code lldp:stats} prints them. */
    public String formatStats() {
        LldpSettings s = settings;
        StringBuilder b = new StringBuilder();
        b.append("tx interval ").append(s.txIntervalSeconds()).append(" s, hold ").append(s.txHold())
                .append(", ttl ").append(s.ttl()).append(" s, fast start ").append(s.fastCount()).append(System.lineSeparator());
        if (!unknownKeys.isEmpty()) {
            b.append("configuration keys not known, ignored: ").append(String.join(", ", unknownKeys)).append(System.lineSeparator());
        }
        b.append("frames in ").append(stats.framesIn()).append(", discarded ").append(stats.framesDiscarded())
                .append(", shutdowns in ").append(stats.shutdownsIn()).append(System.lineSeparator());
        Map<String, Long> reasons = stats.discardReasons();
        if (!reasons.isEmpty()) {
            b.append("discarded by reason:");
            reasons.forEach((r, c) -> b.append(' ').append(r).append('=').append(c).append(';'));
            b.setLength(b.length() - 1);
            b.append(System.lineSeparator());
        }
        b.append("frames out ").append(stats.framesOut()).append(", shutdowns out ").append(stats.shutdownsOut())
                .append(", send errors ").append(stats.sendErrors()).append(System.lineSeparator());
        b.append("neighbours ").append(table.size()).append(", inserts ").append(table.inserts()).append(", deletes ")
                .append(table.deletes()).append(", ageouts ").append(table.ageouts()).append(", drops ").append(table.drops())
                .append(System.lineSeparator());
        for (String p : scheduler.ports()) {
            b.append("port ").append(p).append(": sent ").append(scheduler.sent(p)).append(System.lineSeparator());
        }
        String err = lastError;
        if (err != null) {
            b.append("last error: ").append(Printable.escape(err)).append(System.lineSeparator());
        }
        return b.toString();
    }
}
