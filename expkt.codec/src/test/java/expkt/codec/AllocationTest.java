package expkt.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import expkt.api.packet.FrameView;
import expkt.codec.lldp.Lldp;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The view path allocates nothing per frame or header: decoding a ring of frames (every kind the
 * codec knows, in native memory like a receive ring) and reading their fields through the
 * primitive accessors, measured with the JVM's per-thread allocation counter. A per-header object
 * of even 16 bytes would show as megabytes here; the bound allows only a few kilobytes of noise
 * for the whole run. This is a correctness property, not a timing.
 */
class AllocationTest {
    @Test
    void decodingAndReadingFieldsAllocatesNothing() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
        List<byte[]> frames = Corpus.frames();
        try (Arena arena = Arena.ofConfined()) {
            int total = frames.stream().mapToInt(f -> f.length).sum();
            MemorySegment ring = arena.allocate(total);
            int[] offsets = new int[frames.size()];
            int at = 0;
            for (int i = 0; i < frames.size(); i++) {
                offsets[i] = at;
                MemorySegment.copy(MemorySegment.ofArray(frames.get(i)), 0, ring, at, frames.get(i).length);
                at += frames.get(i).length;
            }
            expkt.api.spi.FrameWindow view = new expkt.api.spi.FrameWindow();
            PacketDecoder d = new PacketDecoder();
            long sink = 0;
            for (int i = 0; i < 300_000; i++) { // warm up: let the JIT compile (and scalar-replace) the path
                sink += readAll(d, view.wrap(ring, offsets[i % offsets.length], frames.get(i % offsets.length).length));
            }
            long tid = Thread.currentThread().threadId();
            int rounds = 100_000;
            StringBuilder report = new StringBuilder();
            long worst = 0;
            for (int f = 0; f < offsets.length; f++) { // frame by frame, so a failure names the kind of frame
                long before = threads.getThreadAllocatedBytes(tid);
                for (int i = 0; i < rounds; i++) {
                    sink += readAll(d, view.wrap(ring, offsets[f], frames.get(f).length));
                }
                long allocated = threads.getThreadAllocatedBytes(tid) - before;
                worst = Math.max(worst, allocated);
                report.append(String.format("frame %d (%d layers 0x%x): %d bytes / %d decodes%n", f, Integer.bitCount(d.layers()),
                        d.layers(), allocated, rounds));
            }
            System.out.print("allocation per frame kind (fields checksum " + sink + "):\n" + report);
            assertTrue(worst < 4096, "a frame kind allocated while decoding:\n" + report);
            assertEquals(frames.size(), offsets.length);
        }
    }

    /**
     * Frames that hold fewer bytes than their headers declare decode without allocating too: every
     * kind cut at several snap lengths (down to the middle of a header, which unwinds the wrap), a
     * TSO packet, a jumbogram whole and cut.
     */
    @Test
    void decodingCutFramesAllocatesNothing() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        List<byte[]> frames = new java.util.ArrayList<>(Corpus.frames());
        frames.add(TruncatedFrameTest.tsoFrame());
        frames.add(TruncatedFrameTest.jumbogram(70_000));
        int[] snaps = {20, 38, 46, 58, 64, 78, 100, Integer.MAX_VALUE};
        try (Arena arena = Arena.ofConfined()) {
            int total = frames.stream().mapToInt(f -> f.length).sum();
            MemorySegment ring = arena.allocate(total);
            int[] offsets = new int[frames.size()];
            int at = 0;
            for (int i = 0; i < frames.size(); i++) {
                offsets[i] = at;
                MemorySegment.copy(MemorySegment.ofArray(frames.get(i)), 0, ring, at, frames.get(i).length);
                at += frames.get(i).length;
            }
            PacketDecoder d = new PacketDecoder();
            long sink = 0;
            int truncated = 0;
            for (int round = 0; round < 2; round++) { // the first round warms up
                long tid = Thread.currentThread().threadId();
                long before = threads.getThreadAllocatedBytes(tid);
                for (int i = 0; i < 20_000; i++) {
                    for (int f = 0; f < offsets.length; f++) {
                        int len = frames.get(f).length;
                        int captured = Math.min(len, snaps[(i + f) % snaps.length]);
                        d.decode(ring, offsets[f], captured, len);
                        sink += d.layers() + (d.checksumsValid() ? 1 : 0);
                        if (d.has(PacketDecoder.UDP)) {
                            sink += d.udp().sourcePort() + d.udp().payloadLength() + (d.udp().isTruncated() ? 1 : 0);
                        }
                        if (d.has(PacketDecoder.TCP)) {
                            sink += d.tcp().destinationPort() + d.tcp().payloadLength();
                        }
                        if (round == 1 && d.isTruncated()) {
                            truncated++;
                        }
                    }
                }
                long allocated = threads.getThreadAllocatedBytes(tid) - before;
                if (round == 1) {
                    System.out.println("cut frames: " + truncated + " truncated decodes, " + allocated + " bytes allocated (sink " + sink + ")");
                    assertTrue(truncated > 100_000, "cut frames decoded: " + truncated);
                    assertTrue(allocated < 4096, "decoding cut frames allocated " + allocated + " bytes");
                }
            }
        }
    }

    /**
     * Writing an LLDPDU allocates nothing per TLV (issue 14): the agent builds one per port every
     * transmit interval, with the same builder and buffer. Every TLV writer is used, strings with
     * multi-byte UTF-8 and an unpaired surrogate included; the frames are checked against the
     * allocating reference (String.getBytes) once, then measured.
     */
    @Test
    void writingLldpTlvsAllocatesNothing() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        expkt.api.net.MacAddress chassis = expkt.api.net.MacAddress.parse("02:00:00:00:00:0b");
        expkt.api.net.Ipv4Address v4 = expkt.api.net.Ipv4Address.parse("192.0.2.1");
        expkt.api.net.Ipv6Address v6 = expkt.api.net.Ipv6Address.parse("2001:db8::1");
        String port = "1:2";
        String description = "uplink to core — 10 Gb/s \uD83D\uDE80 \uD800";
        byte[] oid = {1, 3, 6};
        byte[] info = {0, 5};
        byte[] buf = new byte[1514];
        FrameBuilder b = new FrameBuilder(buf);
        java.util.function.IntSupplier build = () -> b.reset().ethernet(expkt.api.net.MacAddress.LLDP_NEAREST_BRIDGE, chassis).lldp()
                .lldpChassisId(chassis).lldpPortId(port).lldpTtl(120).lldpPortDescription(description).lldpSystemName("switch-1")
                .lldpSystemDescription("expkt").lldpCapabilities(Lldp.CAPABILITY_BRIDGE, Lldp.CAPABILITY_BRIDGE)
                .lldpManagementAddress(v4, 2, 7, oid).lldpManagementAddress(v6, 3, 8, oid)
                .lldpOrganizationSpecific(0x0080C2, 1, info).lldpPortId(Lldp.PORT_LOCAL, info).finish(60);
        int len = build.getAsInt();
        PacketDecoder d = new PacketDecoder().decode(java.util.Arrays.copyOf(buf, len));
        Lldp l = d.lldp();
        assertEquals(description.getBytes(java.nio.charset.StandardCharsets.UTF_8).length, l.tlvLength(l.findTlv(Lldp.TLV_PORT_DESCRIPTION)),
                "the port description TLV holds the string's UTF-8 bytes, as String.getBytes makes them");
        assertEquals(new String(description.getBytes(java.nio.charset.StandardCharsets.UTF_8), java.nio.charset.StandardCharsets.UTF_8),
                l.portDescription());
        assertEquals(port, l.portIdString());
        assertEquals(chassis.toLong(), l.chassisIdMacBits());
        assertEquals(120, l.ttl());
        assertEquals(Lldp.CAPABILITY_BRIDGE, l.enabledCapabilities());
        int m = l.managementAddressTlv();
        assertEquals(v4.toInt(), l.managementAddressIpv4Bits(m));
        assertEquals(7, l.managementInterfaceNumber(m));
        assertEquals("010306", java.util.HexFormat.of().formatHex(l.managementOid(m)));
        int m6 = l.nextTlv(m);
        assertEquals(v6, expkt.api.net.Ipv6Address.of(l.managementAddress(m6)));
        assertEquals(0x0080C2, l.organizationOui(l.nextTlv(m6)));
        long sink = 0;
        for (int i = 0; i < 200_000; i++) { // warm up
            sink += build.getAsInt();
        }
        long tid = Thread.currentThread().threadId();
        long before = threads.getThreadAllocatedBytes(tid);
        for (int i = 0; i < 100_000; i++) {
            sink += build.getAsInt();
        }
        long allocated = threads.getThreadAllocatedBytes(tid) - before;
        System.out.println("LLDPDU writing: " + allocated + " bytes allocated for 100000 LLDPDUs of 12 TLVs (sink " + sink + ")");
        assertTrue(allocated < 4096, "writing LLDPDUs allocated " + allocated + " bytes");
    }

    /**
     * Building frames of every kind allocates nothing either (issue 14: each header class writes its
     * own bytes; options such as TCP's MSS and timestamps and the router alerts are written without
     * an array): one send loop of ARP, tagged IPv4 with options over ICMP/UDP/TCP, IPv6 with every
     * extension header over ICMPv6 ND/UDP/TCP, LLDP and Wake-on-LAN, into one buffer. The cleanest of
     * up to 5 rounds of 20,000 loops must count exactly 0 bytes (an allocation per frame would show
     * in every round).
     */
    @Test
    void buildingEveryKindOfFrameAllocatesNothing() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        byte[] buf = new byte[1514];
        FrameBuilder b = new FrameBuilder(buf);
        byte[] data = {1, 2, 3, 4, 5, 6, 7, 8};
        byte[] password = {1, 2, 3, 4};
        expkt.api.net.Ipv6Address[] route = {Corpus.IP6_A, Corpus.IP6_B};
        java.util.function.IntSupplier loop = () -> {
            int n = b.reset().ethernet(Corpus.A, Corpus.B).arp(expkt.codec.ethernet.Arp.REQUEST, Corpus.B, Corpus.IP_B, Corpus.A, Corpus.IP_A)
                    .finish(60);
            n += b.reset().ethernet(Corpus.A, Corpus.B).serviceVlan(10).vlan(3, true, 20).ipv4(Corpus.IP_A, Corpus.IP_B).ttl(1)
                    .identification(7).dontFragment().ipv4RouterAlert().icmpEcho(true, 1, 2).payload(data).finish(60);
            n += b.reset().ethernet(Corpus.A, Corpus.B).ipv4(Corpus.IP_A, Corpus.IP_B).udp(9, 9).wakeOnLan(Corpus.A, password).finish();
            n += b.reset().ethernet(Corpus.A, Corpus.B).ipv4(Corpus.IP_A, Corpus.IP_B).tcp(40000, 80).tcpFlags(expkt.codec.ip.Tcp.SYN)
                    .sequence(1).window(1000).tcpMss(1460).tcpSackPermitted().tcpTimestamps(1, 2).tcpNop().tcpWindowScale(7).finish();
            n += b.reset().ethernet(Corpus.A, Corpus.B).ipv6(Corpus.IP6_A, Corpus.IP6_B).flowLabel(5).ipv6HopByHop().ipv6RouterAlert(0)
                    .ipv6DestinationOptions().ipv6Option(0x1E, data).ipv6Routing(0, 1, route).ipv6Fragment(0, true, 9).udp(1, 2)
                    .payload(data).finish();
            n += b.reset().ethernet(Corpus.A, Corpus.B).ipv6(Corpus.IP6_A, Corpus.IP6_B).routerAdvertisement(64, 0, 1800, 0, 0)
                    .ndSourceLinkLayer(Corpus.B).ndMtu(1500).ndPrefixInformation(64, 0xC0, 100, 50, Corpus.IP6_A).finish();
            n += b.reset().ethernet(Corpus.A, Corpus.B).ipv6(Corpus.IP6_A, Corpus.IP6_B).tcp(1, 2).tcpMss(1220).payload(data).finish();
            n += b.reset().ethernet(expkt.api.net.MacAddress.LLDP_NEAREST_BRIDGE, Corpus.B).lldp().lldpChassisId(Corpus.B).lldpPortId("1:2")
                    .lldpTtl(120).lldpSystemName("switch-1").lldpManagementAddress(Corpus.IP_A, 1, 0).finish(60);
            return n;
        };
        long sink = 0;
        for (int i = 0; i < 100_000; i++) { // warm up
            sink += loop.getAsInt();
        }
        long tid = Thread.currentThread().threadId();
        long best = Long.MAX_VALUE;
        StringBuilder rounds = new StringBuilder();
        for (int round = 0; round < 5 && best > 0; round++) {
            long before = threads.getThreadAllocatedBytes(tid);
            for (int i = 0; i < 20_000; i++) {
                sink += loop.getAsInt();
            }
            long allocated = threads.getThreadAllocatedBytes(tid) - before;
            best = Math.min(best, allocated);
            rounds.append(rounds.isEmpty() ? "" : ", ").append(allocated);
        }
        System.out.println("building 8 kinds of frame: bytes allocated per round of 20000 loops: " + rounds + " (sink " + sink + ")");
        assertEquals(0, best, "bytes allocated building frames, per round: " + rounds);
    }

    /** Decodes one frame and reads its fields through the accessors that return primitives. */
    private static long readAll(PacketDecoder d, FrameView frame) {
        d.decode(frame);
        long s = d.ethernet().destinationBits() ^ d.ethernet().sourceBits() ^ d.ethernet().etherType();
        for (int i = 0; i < d.ethernet().tagCount(); i++) {
            s += d.ethernet().vlanId(i);
        }
        if (d.has(PacketDecoder.ARP)) {
            s += d.arp().senderProtocolBits() + d.arp().targetHardwareBits();
        }
        if (d.has(PacketDecoder.IPV4)) {
            s += d.ipv4().sourceBits() + d.ipv4().ttl() + d.ipv4().totalLength();
            for (int o = d.ipv4().firstOption(); o >= 0; o = d.ipv4().nextOption(o)) {
                s += d.ipv4().optionType(o);
            }
        }
        if (d.has(PacketDecoder.IPV6)) {
            s += d.ipv6().sourceLow() + d.ipv6().hopLimit() + d.ipv6().extensionHeaderCount() + d.ipv6().protocol();
        }
        if (d.has(PacketDecoder.ICMP)) {
            s += d.icmp().type() + d.icmp().identifier();
        }
        if (d.has(PacketDecoder.ICMPV6)) {
            s += d.icmpv6().type();
            for (int o = d.icmpv6().firstOption(); o >= 0; o = d.icmpv6().nextOption(o)) {
                s += d.icmpv6().optionType(o);
            }
        }
        if (d.has(PacketDecoder.UDP)) {
            s += d.udp().destinationPort() + d.udp().payloadLength();
        }
        if (d.has(PacketDecoder.TCP)) {
            s += d.tcp().sequenceNumber() + d.tcp().mss() + d.tcp().windowScale();
        }
        if (d.has(PacketDecoder.LLDP)) {
            s += d.lldp().chassisIdMacBits() + d.lldp().ttl() + d.lldp().systemCapabilities();
            for (int t = d.lldp().firstTlv(); t >= 0; t = d.lldp().nextTlv(t)) {
                s += d.lldp().tlvType(t);
            }
        }
        if (d.has(PacketDecoder.WAKE_ON_LAN)) {
            s += d.wakeOnLan().targetBits();
        }
        return d.checksumsValid() ? s : -s;
    }
}
