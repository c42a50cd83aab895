package expkt.testkit;

import expkt.api.handler.PacketHandler;
import expkt.api.handler.PacketSender;
import expkt.api.net.SlotPort;
import expkt.api.packet.Direction;
import expkt.api.packet.ExosSockAddr;
import expkt.api.spi.ExosSockAddrs;
import expkt.api.spi.FrameWindow;
import expkt.api.packet.PacketType;
import expkt.api.packet.Vlan;
import expkt.codec.pcap.CaptureFormat;
import expkt.codec.pcap.CaptureReader;
import expkt.codec.pcap.CaptureWriter;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Runs a {@link PacketHandler} without a kernel: {@link #receive} hands it a frame as the provider
 * would (a {@link FrameView} over the frame, an {@link ExosSockAddr} saying where it came from, a
 * {@link PacketSender}), {@link #replay} feeds it a pcap / pcapng file, {@link #sent()} is what it
 * sent with the ports or VLAN it sent it to, and {@link #advance} moves the harness clock.
 *
 * <p>The environment follows the provider's rules, so a handler that passes here does not rely on
 * something the host refuses: frames go only to declared ports and VLANs (an unknown one is an
 * {@link IllegalArgumentException} naming it), a frame sent into a VLAN must be untagged and leaves
 * tagged on the VLAN's tagged members, a frame is at least 14 bytes, and a received view is valid
 * only while {@code handle} runs (its memory is freed afterwards: a kept view throws
 * {@link IllegalStateException}). A received 802.1Q-tagged frame reaches the handler untagged with
 * the tag in {@link ExosSockAddr#vlanId()}, as the kernel's VLAN offload delivers it.
 *
 * <pre>{@code
 * EmbeddedHandler h = EmbeddedHandler.builder().ports(3).vlan(Vlan.of("blue", 100, Set.of(), Set.of(SlotPort.of(1, 2)))).build(handler);
 * h.receive(frame, SlotPort.of(1, 1));
 * SentFrame out = h.takeSent().getFirst();
 * }</pre>
 *
 * <p>Threading: not thread-safe; one thread (the test's) drives it. The handler runs on that thread.
 */
public final class EmbeddedHandler {
    /** The clock's start unless the builder says otherwise: 2026-01-01T00:00:00Z. */
    public static final long DEFAULT_START_NANOS = Instant.parse("2026-01-01T00:00:00Z").getEpochSecond() * 1_000_000_000L;

    private final PacketHandler handler;
    private final Map<SlotPort, String> ports;
    private final Map<String, Vlan> vlans;
    private final int vrId;
    private final String vrName;
    private final long switchMac;
    private final Sender sender = new Sender();
    private final List<SentFrame> sent = new ArrayList<>();
    private final ExosSockAddr from = new ExosSockAddr();
    private final FrameWindow view = new FrameWindow();
    private long nowNanos;
    private long received;

    private EmbeddedHandler(Builder b, PacketHandler handler) {
        if (handler == null) {
            throw new IllegalArgumentException("handler is null");
        }
        this.handler = handler;
        this.ports = Map.copyOf(b.ports);
        this.vlans = Map.copyOf(b.vlans);
        this.vrId = b.vrId;
        this.vrName = b.vrName;
        this.switchMac = b.switchMac;
        this.nowNanos = b.startNanos;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Hands {@code frame} to the handler as received on {@code port} now, and returns once
     * {@code handle} returned. What the handler throws is thrown from here.
     */
    public void receive(byte[] frame, SlotPort port) throws Exception {
        receive(MemorySegment.ofArray(frame), 0, frame.length, frame.length, port);
    }

    /**
     * Replays a pcap or pcapng capture: every frame is received on {@code port}. A capture brings
     * its own time: the clock is set to the first frame's timestamp, then moves to each frame's
     * (never backwards). Returns the number of frames replayed.
     * What the handler throws is thrown from here, naming the frame's number.
     */
    public long replay(Path capture, SlotPort port) throws Exception {
        long n = 0;
        try (CaptureReader reader = CaptureReader.open(capture)) {
            while (reader.next()) {
                nowNanos = n == 0 ? reader.timestampNanos() : Math.max(nowNanos, reader.timestampNanos());
                n++;
                try {
                    receive(reader.segment(), reader.frameOffset(), reader.capturedLength(), reader.originalLength(), port);
                } catch (RuntimeException e) {
                    throw new IllegalStateException("frame " + n + " of " + capture + ": " + e.getMessage(), e);
                }
            }
        }
        return n;
    }

    private void receive(MemorySegment segment, long offset, int length, int originalLength, SlotPort port) throws Exception {
        String ifName = ports.get(port);
        if (ifName == null) {
            throw new IllegalArgumentException("port " + port + " is not one of the harness's ports " + new TreeSet<>(ports.keySet()));
        }
        if (length < 14) {
            throw new IllegalArgumentException("a frame of " + length + " bytes: an Ethernet frame has at least 14");
        }
        // the frame is handed over whole, as the provider does (its outer tag in place, repeated in the address)
        int vlanId = ExosSockAddr.NO_VLAN;
        int tpid = u16(segment, offset + 12);
        boolean tagged = (tpid == 0x8100 || tpid == 0x88A8) && length >= 18;
        int tci = tagged ? u16(segment, offset + 14) : 0;
        if (tagged) {
            vlanId = tci & 0x0FFF;
        }
        String vlanName = null;
        for (Vlan v : vlans.values()) {
            if (v.tag() == vlanId) {
                vlanName = v.name();
            }
        }
        MemorySegment f = segment.asSlice(offset, length).asReadOnly();
        ExosSockAddrs.set(from, port.slot(), port.port(), ifName, ifIndex(port), vlanId, vlanName, vrId, vrName, Direction.INGRESS,
                packetType(f), nowNanos, originalLength, length, u16(f, tagged ? 16 : 12));
        if (tagged) {
            ExosSockAddrs.setVlanTag(from, tpid, tci);
        }
        received++;
        try {
            handler.handle(view.wrap(f, 0, length), from, sender);
        } finally {
            view.release(); // as the provider does: a view kept past handle() throws when read
        }
    }

    private PacketType packetType(MemorySegment f) {
        long dst = 0;
        for (int i = 0; i < 6; i++) {
            dst = (dst << 8) | (f.get(ValueLayout.JAVA_BYTE, i) & 0xFF);
        }
        if (dst == 0xFFFF_FFFF_FFFFL) {
            return PacketType.BROADCAST;
        }
        if ((dst & 0x0100_0000_0000L) != 0) {
            return PacketType.MULTICAST;
        }
        return dst == switchMac ? PacketType.HOST : PacketType.OTHERHOST;
    }

    private int ifIndex(SlotPort port) {
        return 100 + new ArrayList<>(new TreeSet<>(ports.keySet())).indexOf(port);
    }

    private static int u16(MemorySegment s, long at) {
        return ((s.get(ValueLayout.JAVA_BYTE, at) & 0xFF) << 8) | (s.get(ValueLayout.JAVA_BYTE, at + 1) & 0xFF);
    }

    /** Moves the harness clock forward. */
    public EmbeddedHandler advance(Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("time does not go back: " + d);
        }
        nowNanos += d.toNanos();
        return this;
    }

    /** The harness clock, epoch nanoseconds: the receive timestamp of the next frame. */
    public long nowNanos() {
        return nowNanos;
    }

    /** A {@link Clock} reading the harness clock, for handlers that take one. */
    public Clock clock() {
        return new Clock() {
            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                throw new UnsupportedOperationException("the harness clock is UTC");
            }

            @Override
            public Instant instant() {
                return Instant.ofEpochSecond(0, nowNanos);
            }
        };
    }

    /**
     * The sender the handler gets, for what it sends outside {@code handle} (a timer calling it
     * from the test's thread); what goes through it lands in {@link #sent()}.
     */
    public PacketSender sender() {
        return sender;
    }

    /** Frames received so far. */
    public long received() {
        return received;
    }

    /** What the handler sent so far, oldest first. */
    public List<SentFrame> sent() {
        return List.copyOf(sent);
    }

    /** What the handler sent since the last call, oldest first; forgets it. */
    public List<SentFrame> takeSent() {
        List<SentFrame> out = List.copyOf(sent);
        sent.clear();
        return out;
    }

    /**
     * Writes what the handler sent to a capture file as it would appear on the wire: one record per
     * frame and egress port (the VLAN tag inserted on tagged members), stamped with its send time.
     * Returns the number of records written.
     */
    public long writeSent(Path file, CaptureFormat format) throws IOException {
        try (CaptureWriter w = CaptureWriter.open(file, format)) {
            for (SentFrame s : sent) {
                for (SlotPort p : s.ports()) {
                    w.write(s.atNanos(), s.onWire(p));
                }
            }
            return w.frames();
        }
    }

    /** The harness's sender: the provider's rules, recording instead of transmitting. */
    private final class Sender implements PacketSender {
        @Override
        public void sendto(ByteBuffer frame, List<SlotPort> slotPorts) {
            if (slotPorts == null || slotPorts.isEmpty()) {
                throw new IllegalArgumentException("sendto needs slot:ports or a VLAN name; none was given");
            }
            for (SlotPort p : slotPorts) {
                if (p == null) {
                    throw new IllegalArgumentException("slot:port list " + slotPorts + " holds null");
                }
                if (!ports.containsKey(p)) {
                    throw new IllegalArgumentException("no port " + p + " (ports: " + new TreeSet<>(ports.keySet()) + ")");
                }
            }
            sent.add(new SentFrame(nowNanos, take(frame), null, slotPorts, Set.of(), -1));
        }

        @Override
        public void sendto(ByteBuffer frame, String vlanName) {
            if (vlanName == null || vlanName.isEmpty()) {
                throw new IllegalArgumentException("sendto needs slot:ports or a VLAN name; none was given");
            }
            Vlan v = vlans.get(vlanName);
            if (v == null) {
                throw new IllegalArgumentException("no VLAN \"" + vlanName + "\" (VLANs: " + new TreeSet<>(vlans.keySet()) + ")");
            }
            if (frame != null && frame.remaining() >= 14) {
                int et = frame.getShort(frame.position() + 12) & 0xFFFF;
                if (et == 0x8100 || et == 0x88A8) {
                    throw new IllegalArgumentException("frame sent to VLAN " + vlanName + " already carries a VLAN tag (ethertype 0x"
                            + Integer.toHexString(et) + "): send it untagged");
                }
            }
            TreeSet<SlotPort> members = new TreeSet<>(v.tagged());
            members.addAll(v.untagged());
            sent.add(new SentFrame(nowNanos, take(frame), vlanName, List.copyOf(members), v.tagged(), v.tag()));
        }

        private byte[] take(ByteBuffer frame) {
            if (frame == null) {
                throw new IllegalArgumentException("frame is null");
            }
            if (frame.remaining() < 14) {
                throw new IllegalArgumentException("a frame of " + frame.remaining() + " bytes: an Ethernet frame has at least 14");
            }
            byte[] b = new byte[frame.remaining()];
            frame.get(b);
            return b;
        }
    }

    /** What the handler's world looks like: ports, VLANs, VR, clock start. */
    public static final class Builder {
        private final Map<SlotPort, String> ports = new LinkedHashMap<>();
        private final Map<String, Vlan> vlans = new LinkedHashMap<>();
        private int vrId = 2;
        private String vrName = "VR-Default";
        private long switchMac = 0x02_00_00_00_00_01L;
        private long startNanos = DEFAULT_START_NANOS;

        private Builder() {
        }

        /** Ports 1:1 .. 1:n, named p1 .. pn (as in a lab). */
        public Builder ports(int n) {
            for (int i = 1; i <= n; i++) {
                port(SlotPort.of(1, i), "p" + i);
            }
            return this;
        }

        /** One more port. */
        public Builder port(SlotPort port, String ifName) {
            ports.put(port, ifName);
            return this;
        }

        /** A VLAN; its member ports must be ports of the harness. */
        public Builder vlan(Vlan vlan) {
            vlans.put(vlan.name(), vlan);
            return this;
        }

        /** The VR the frames are received in (VR-Default, 2 unless set). */
        public Builder vr(int id, String name) {
            this.vrId = id;
            this.vrName = name;
            return this;
        }

        /** The switch's own MAC: frames to it are {@link PacketType#HOST}. */
        public Builder switchMac(long mac) {
            this.switchMac = mac;
            return this;
        }

        /** The clock's start, epoch nanoseconds. */
        public Builder startNanos(long nanos) {
            this.startNanos = nanos;
            return this;
        }

        /** The harness around {@code handler}. */
        public EmbeddedHandler build(PacketHandler handler) {
            if (ports.isEmpty()) {
                throw new IllegalArgumentException("the harness has no port: call ports(n) or port(...)");
            }
            for (Vlan v : vlans.values()) {
                for (SlotPort p : v.tagged()) {
                    if (!ports.containsKey(p)) {
                        throw new IllegalArgumentException("VLAN " + v.name() + " has tagged member " + p + ", not a port of the harness");
                    }
                }
                for (SlotPort p : v.untagged()) {
                    if (!ports.containsKey(p)) {
                        throw new IllegalArgumentException("VLAN " + v.name() + " has untagged member " + p + ", not a port of the harness");
                    }
                }
            }
            return new EmbeddedHandler(this, handler);
        }
    }
}
