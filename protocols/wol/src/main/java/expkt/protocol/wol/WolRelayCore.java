package expkt.protocol.wol;

import expkt.api.net.MacAddress;
import expkt.api.net.SlotPort;
import expkt.api.operator.Printable;
import expkt.api.packet.Vlan;
import expkt.codec.FrameBuilder;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The relay without OSGi: validates a received magic packet, records its target, and sends it into
 * every configured VLAN except the one it arrived in (the data plane already floods it there). The
 * relayed frame is an Ethernet broadcast of ethertype 0x0842 built by the codec, with the original
 * source MAC and SecureOn password: the form every NIC's wake logic accepts, whether the magic packet
 * came as 0x0842 or in UDP. {@code sendto(vlan)} tags it on tagged members and not on untagged ones.
 *
 * <p>Threading: {@link #onFrame} is synchronized (the 0x0842 and UDP handlers may be called on different
 * dispatcher threads; magic packets are rare, the lock uncontended); {@link #wake} by any
 * thread (it builds into its own buffer); counters are thread-safe.
 */
public final class WolRelayCore {
    /** Sends an untagged frame into a VLAN. */
    @FunctionalInterface
    public interface VlanSender {
        void send(ByteBuffer frame, String vlan) throws IOException;
    }

    /** One magic packet seen. */
    public record Wake(Instant at, MacAddress target, String source, String kind, String ingress, List<String> relayedTo) {
    }

    private static final int HISTORY = 32;

    private final MagicPacketInspector inspector = new MagicPacketInspector();
    private final byte[] relayBuffer = new byte[128];
    private final FrameBuilder relayBuilder = new FrameBuilder(relayBuffer);
    private static final byte[] NO_PASSWORD = new byte[0];
    private volatile WolSettings settings;
    private final AtomicLong framesIn = new AtomicLong();
    private final AtomicLong magicEthertype = new AtomicLong();
    private final AtomicLong magicUdp = new AtomicLong();
    private final AtomicLong invalid = new AtomicLong();
    private final AtomicLong notWol = new AtomicLong();
    private final AtomicLong sendErrors = new AtomicLong();
    private final AtomicLong wakesSent = new AtomicLong();
    private final Map<String, AtomicLong> relayedPerVlan = new ConcurrentHashMap<>();
    private final Deque<Wake> history = new ArrayDeque<>();
    private volatile String lastError;
    private volatile List<String> unknownKeys = List.of();

    public WolRelayCore(WolSettings settings) {
        this.settings = settings;
    }

    public WolSettings settings() {
        return settings;
    }

    public void reconfigure(WolSettings settings) {
        this.settings = settings;
    }

    /** Configuration keys the relay does not know (ignored), shown by {@code wol:stats}. */
    public void unknownKeys(List<String> keys) {
        this.unknownKeys = List.copyOf(keys);
    }

    public List<String> unknownKeys() {
        return unknownKeys;
    }

    /**
     * One received frame from {@code ingress} (with the 802.1Q VLAN id it carried, or -1).
     * Returns what it was; never throws.
     */
    public synchronized MagicPacketInspector.Kind onFrame(MemorySegment segment, long offset, int length, SlotPort ingress, int vlanId,
                                             List<Vlan> vlans, VlanSender sender) {
        framesIn.incrementAndGet();
        WolSettings s = settings;
        MagicPacketInspector.Kind kind = inspector.inspect(segment, offset, length, s.udpPort());
        switch (kind) {
            case NOT_WOL -> {
                notWol.incrementAndGet();
                return kind;
            }
            case INVALID -> {
                invalid.incrementAndGet();
                lastError = "invalid magic packet on " + ingress + ": " + inspector.problem();
                return kind;
            }
            case ETHERTYPE -> magicEthertype.incrementAndGet();
            case UDP -> magicUdp.incrementAndGet();
        }
        MacAddress target = inspector.magic().target();
        byte[] password = inspector.magic().passwordLength() == 0 ? NO_PASSWORD : inspector.magic().password();
        MacAddress source = MacAddress.of(inspector.sourceBits());
        String ingressVlan = ingressVlan(vlans, ingress, vlanId);
        List<String> relayed = new ArrayList<>();
        for (String vlan : s.relayVlans()) {
            if (vlan.equals(ingressVlan)) {
                continue;
            }
            int len = build(relayBuilder, source, target, password);
            try {
                sender.send(ByteBuffer.wrap(relayBuffer, 0, len), vlan);
                relayedPerVlan.computeIfAbsent(vlan, v -> new AtomicLong()).incrementAndGet();
                relayed.add(vlan);
            } catch (IOException | RuntimeException e) {
                sendErrors.incrementAndGet();
                lastError = "relay of the magic packet for " + target + " into VLAN " + vlan + " failed: " + e.getMessage();
            }
        }
        record(new Wake(Instant.now(), target, source.toString(), kind == MagicPacketInspector.Kind.UDP ? "udp" : "0x0842",
                ingress + (ingressVlan == null ? "" : " (" + ingressVlan + ")"), relayed));
        return kind;
    }

    /** Sends one magic packet for {@code target} into {@code vlan} ({@code wol:wake}); the VLAN must exist. */
    public void wake(MacAddress target, String vlan, MacAddress source, List<Vlan> vlans, VlanSender sender) throws IOException {
        if (vlans.stream().noneMatch(v -> v.name().equals(vlan))) {
            throw new IllegalArgumentException("unknown VLAN \"" + vlan + "\": configured VLANs are "
                    + vlans.stream().map(Vlan::name).toList());
        }
        byte[] buf = new byte[128];
        int len = build(new FrameBuilder(buf), source, target, NO_PASSWORD);
        sender.send(ByteBuffer.wrap(buf, 0, len), vlan);
        wakesSent.incrementAndGet();
        record(new Wake(Instant.now(), target, source.toString(), "wol:wake", "-", List.of(vlan)));
    }

    static int build(FrameBuilder b, MacAddress source, MacAddress target, byte[] password) {
        return b.reset().ethernet(MacAddress.BROADCAST, source).wakeOnLan(target, password).finish(60);
    }

    /** The VLAN a frame arrived in: its tag's VLAN, else the ingress port's untagged VLAN; null if none. */
    static String ingressVlan(List<Vlan> vlans, SlotPort ingress, int vlanId) {
        for (Vlan v : vlans) {
            if (vlanId >= 0 ? v.tag() == vlanId && v.tagged().contains(ingress) : v.untagged().contains(ingress)) {
                return v.name();
            }
        }
        return null;
    }

    private void record(Wake w) {
        synchronized (history) {
            if (history.size() == HISTORY) {
                history.removeFirst();
            }
            history.addLast(w);
        }
    }

    public List<Wake> history() {
        synchronized (history) {
            return List.copyOf(history);
        }
    }

    public long framesIn() { return framesIn.get(); }
    public long magicEthertype() { return magicEthertype.get(); }
    public long magicUdp() { return magicUdp.get(); }
    public long invalid() { return invalid.get(); }
    public long sendErrors() { return sendErrors.get(); }
    public long wakesSent() { return wakesSent.get(); }
    public String lastError() { return lastError; }

    public long relayed(String vlan) {
        AtomicLong c = relayedPerVlan.get(vlan);
        return c == null ? 0 : c.get();
    }

    /** Counters and recent magic packets, as {@code wol:stats} prints them. */
    public String formatStats() {
        WolSettings s = settings;
        StringBuilder b = new StringBuilder();
        b.append("relay VLANs ").append(s.relayVlans()).append(", UDP port ").append(s.udpPort() == 0 ? "off" : s.udpPort())
                .append(System.lineSeparator());
        if (!unknownKeys.isEmpty()) {
            b.append("configuration keys not known, ignored: ").append(String.join(", ", unknownKeys)).append(System.lineSeparator());
        }
        b.append("frames in ").append(framesIn()).append(", magic 0x0842 ").append(magicEthertype()).append(", magic UDP ")
                .append(magicUdp()).append(", invalid ").append(invalid()).append(", other ").append(notWol.get())
                .append(System.lineSeparator());
        Map<String, Long> per = new LinkedHashMap<>();
        for (String v : s.relayVlans()) {
            per.put(v, relayed(v));
        }
        b.append("relayed ").append(per).append(", send errors ").append(sendErrors()).append(", wol:wake sent ")
                .append(wakesSent()).append(System.lineSeparator());
        for (Wake w : history()) {
            // every field is ours or formatted from bytes (MACs), but one escape here keeps it so if a field ever is not
            b.append(Printable.escape(w.at() + " " + w.kind() + " target " + w.target() + " from " + w.source() + " on "
                    + w.ingress() + " -> " + w.relayedTo())).append(System.lineSeparator());
        }
        String err = lastError;
        if (err != null) {
            b.append("last error: ").append(Printable.escape(err)).append(System.lineSeparator());
        }
        return b.toString();
    }
}
