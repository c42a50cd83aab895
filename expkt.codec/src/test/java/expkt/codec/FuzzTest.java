package expkt.codec;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import expkt.codec.ethernet.Arp;
import expkt.codec.ethernet.Ethernet;
import expkt.codec.ip.Icmp;
import expkt.codec.ip.Icmpv6;
import expkt.codec.ip.IpProtocol;
import expkt.codec.ip.Ipv4;
import expkt.codec.ip.Ipv6;
import expkt.codec.ip.Tcp;
import expkt.codec.ip.Udp;
import expkt.codec.lldp.Lldp;
import expkt.codec.pcap.CaptureFormat;
import expkt.codec.pcap.CaptureReader;
import expkt.codec.pcap.CaptureWriter;
import expkt.codec.pcap.MalformedCaptureException;
import expkt.codec.wol.WakeOnLan;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random and mutated frames through every parser and every accessor: the only exception allowed is
 * {@link MalformedPacketException}. Each frame lies in a segment that ends exactly where the frame
 * ends, so a read past the frame would raise the segment's own IndexOutOfBoundsException, which
 * fails the test. Seeded (the seed and the frame are printed on failure) and bounded in count and
 * time to fit CI.
 */
class FuzzTest {
    private static final long SEED = Long.getLong("expkt.fuzz.seed", 0x5EED_C0DECL);
    private static final int ITERATIONS = Integer.getInteger("expkt.fuzz.iterations", 300_000);
    private static final long MAX_MILLIS = 20_000;

    @TempDir
    Path dir;

    @Test
    void mutatedFramesThrowOnlyTheCodecsException() {
        List<byte[]> corpus = Corpus.frames();
        Random r = new Random(SEED);
        PacketDecoder d = new PacketDecoder();
        long deadline = System.currentTimeMillis() + MAX_MILLIS;
        int malformed = 0;
        int done = 0;
        for (; done < ITERATIONS && System.currentTimeMillis() < deadline; done++) {
            byte[] frame = mutate(corpus.get(r.nextInt(corpus.size())), r);
            // the frame at the end of its segment, at offset 0 or inside a larger one
            int pad = r.nextBoolean() ? 0 : r.nextInt(64);
            byte[] holder = new byte[pad + frame.length];
            System.arraycopy(frame, 0, holder, pad, frame.length);
            MemorySegment seg = MemorySegment.ofArray(holder);
            try {
                walk(d.decode(seg, pad, frame.length));
            } catch (MalformedPacketException e) {
                malformed++;
                assertTrue(e.getMessage().contains(e.header()) && e.frameLength() == frame.length, e.getMessage());
            } catch (RuntimeException | Error e) {
                fail("seed " + SEED + " iteration " + done + ": " + e + " on frame " + HexFormat.of().formatHex(frame), e);
            }
        }
        System.out.println("fuzz: " + done + " frames, " + malformed + " malformed, seed " + SEED);
        assertTrue(done >= 10_000, "only " + done + " frames in the time bound");
        assertTrue(malformed > done / 20, "mutations reached the length checks: " + malformed + " of " + done);
    }

    /**
     * The same mutated frames, decoded as frames a capture cut (an original length beyond the
     * captured bytes): the cut-header path may not throw anything but the codec's exception either,
     * nor read past the bytes captured.
     */
    @Test
    void mutatedCutFramesThrowOnlyTheCodecsException() {
        List<byte[]> corpus = new java.util.ArrayList<>(Corpus.frames());
        corpus.add(TruncatedFrameTest.tsoFrame());
        corpus.add(TruncatedFrameTest.jumbogram(300));
        Random r = new Random(SEED ^ 0xC07);
        PacketDecoder d = new PacketDecoder();
        long deadline = System.currentTimeMillis() + MAX_MILLIS / 2;
        int cutLayers = 0;
        int done = 0;
        for (; done < ITERATIONS / 3 && System.currentTimeMillis() < deadline; done++) {
            byte[] frame = mutate(corpus.get(r.nextInt(corpus.size())), r);
            int captured = frame.length == 0 ? 0 : r.nextInt(frame.length + 1);
            long original = frame.length + (r.nextBoolean() ? 0 : r.nextInt(100_000));
            MemorySegment seg = MemorySegment.ofArray(java.util.Arrays.copyOf(frame, captured)); // ends where the capture ended
            try {
                d.decode(seg, 0, captured, original);
                if (d.isTruncated()) {
                    cutLayers++;
                }
                if (d.layers() != 0) {
                    walk(d);
                }
            } catch (MalformedPacketException e) {
                assertTrue(e.getMessage().contains(e.header()) && e.frameLength() == captured, e.getMessage());
            } catch (RuntimeException | Error e) {
                fail("seed " + SEED + " iteration " + done + ": " + e + " on frame " + HexFormat.of().formatHex(frame)
                        + " cut at " + captured + " of " + original, e);
            }
        }
        System.out.println("fuzz, cut: " + done + " frames, " + cutLayers + " decoded as cut");
        assertTrue(done >= 10_000 && cutLayers > done / 4, done + " frames, " + cutLayers + " cut");
    }

    static byte[] mutate(byte[] seed, Random r) {
        byte[] f = seed.clone();
        switch (r.nextInt(7)) {
            case 0 -> { // flip a few bytes
                for (int i = r.nextInt(8) + 1; i > 0; i--) {
                    f[r.nextInt(f.length)] = (byte) r.nextInt(256);
                }
            }
            case 1 -> f = java.util.Arrays.copyOf(f, r.nextInt(f.length + 1)); // truncate
            case 2 -> { // a big or small value in a likely length field
                int at = r.nextInt(f.length - 1);
                int v = r.nextBoolean() ? 0xFFFF : r.nextInt(0x40);
                f[at] = (byte) (v >>> 8);
                f[at + 1] = (byte) v;
            }
            case 3 -> { // flip bytes and truncate
                f[r.nextInt(f.length)] ^= (byte) (1 << r.nextInt(8));
                f = java.util.Arrays.copyOf(f, Math.max(0, f.length - r.nextInt(16)));
            }
            case 4 -> { // grow with garbage
                int n = f.length;
                f = java.util.Arrays.copyOf(f, n + r.nextInt(40));
                for (int i = n; i < f.length; i++) {
                    f[i] = (byte) r.nextInt(256);
                }
            }
            case 5 -> { // random bytes after a real Ethernet header of a known type
                int n = 14 + r.nextInt(120);
                byte[] g = new byte[n];
                r.nextBytes(g);
                System.arraycopy(f, 0, g, 0, Math.min(14, f.length));
                int[] types = {0x0800, 0x86DD, 0x0806, 0x88CC, 0x0842, 0x8100, 0x88A8};
                int t = types[r.nextInt(types.length)];
                g[12] = (byte) (t >>> 8);
                g[13] = (byte) t;
                if (t == 0x0800 && n > 14) {
                    g[14] = (byte) (0x40 | (g[14] & 0x0F));
                } else if (t == 0x86DD && n > 14) {
                    g[14] = (byte) (0x60 | (g[14] & 0x0F));
                }
                f = g;
            }
            default -> { // pure noise
                f = new byte[r.nextInt(200)];
                r.nextBytes(f);
            }
        }
        return f;
    }

    /** Calls every accessor of every decoded layer, as an application might. */
    static void walk(PacketDecoder d) {
        Ethernet e = d.ethernet();
        e.destinationBits();
        e.sourceBits();
        e.etherType();
        for (int i = 0; i < e.tagCount(); i++) {
            e.vlanId(i);
            e.priority(i);
            e.dropEligible(i);
            e.tagProtocol(i);
        }
        e.payloadBytes();
        if (d.has(PacketDecoder.ARP)) {
            Arp a = d.arp();
            a.hardwareType();
            a.protocolType();
            a.operation();
            if (a.isEthernetIpv4()) { // the rule: a getter that does not apply throws IllegalStateException
                a.senderHardwareBits();
                a.senderProtocolBits();
                a.targetHardwareBits();
                a.targetProtocolBits();
            }
        }
        if (d.has(PacketDecoder.IPV4)) {
            Ipv4 ip = d.ipv4();
            ip.dscp();
            ip.ecn();
            ip.identification();
            ip.flags();
            ip.fragmentOffset();
            ip.ttl();
            ip.checksum();
            ip.sourceBits();
            ip.destinationBits();
            ip.checksumValid();
            ip.computeChecksum();
            for (int o = ip.firstOption(); o >= 0; o = ip.nextOption(o)) {
                ip.optionType(o);
                ip.optionDataOffset(o);
            }
            ip.payloadBytes();
        }
        if (d.has(PacketDecoder.IPV6)) {
            Ipv6 ip = d.ipv6();
            ip.trafficClass();
            ip.flowLabel();
            ip.hopLimit();
            ip.source();
            ip.destination();
            for (int i = 0; i < ip.extensionHeaderCount(); i++) {
                int t = ip.extensionHeaderType(i);
                ip.extensionHeaderOffset(i);
                ip.extensionHeaderLength(i);
                if (t == IpProtocol.HOP_BY_HOP || t == IpProtocol.IPV6_DESTINATION_OPTIONS) {
                    for (int o = ip.firstOption(i); o >= 0; o = ip.nextOption(i, o)) {
                        ip.optionType(o);
                    }
                }
            }
            if (ip.isFragment()) {
                ip.fragmentOffset();
                ip.moreFragments();
                ip.fragmentIdentification();
            }
            if (ip.findExtensionHeader(IpProtocol.IPV6_ROUTING) >= 0) {
                ip.routingType();
                ip.segmentsLeft();
                for (int n = 0; n < ip.routingAddressCount(); n++) {
                    ip.routingAddress(n);
                }
            }
            ip.pseudoHeaderSum(17, 8);
            ip.payloadBytes();
        }
        if (d.has(PacketDecoder.ICMP)) {
            Icmp m = d.icmp();
            m.type();
            m.code();
            m.identifier();
            m.sequence();
            m.restOfHeader();
        }
        if (d.has(PacketDecoder.ICMPV6)) {
            Icmpv6 m = d.icmpv6();
            int t = m.type();
            m.code();
            m.identifier();
            m.sequence();
            if (t == Icmpv6.NEIGHBOR_SOLICITATION || t == Icmpv6.NEIGHBOR_ADVERTISEMENT || t == Icmpv6.REDIRECT) {
                m.targetAddress();
            }
            if (t == Icmpv6.NEIGHBOR_ADVERTISEMENT) {
                m.advertisementFlags();
            }
            if (t == Icmpv6.ROUTER_ADVERTISEMENT) {
                m.curHopLimit();
                m.routerFlags();
                m.routerLifetime();
                m.reachableTime();
                m.retransTimer();
            }
            for (int o = m.firstOption(); o >= 0; o = m.nextOption(o)) {
                int ot = m.optionType(o);
                try {
                    switch (ot) {
                        case Icmpv6.OPTION_SOURCE_LINK_LAYER, Icmpv6.OPTION_TARGET_LINK_LAYER -> m.linkLayerAddressBits(o);
                        case Icmpv6.OPTION_PREFIX_INFORMATION -> {
                            m.prefix(o);
                            m.prefixLength(o);
                            m.prefixFlags(o);
                            m.prefixValidLifetime(o);
                            m.prefixPreferredLifetime(o);
                        }
                        case Icmpv6.OPTION_MTU -> m.mtu(o);
                        default -> { }
                    }
                } catch (MalformedPacketException ignored) {
                    // one bad option: go on with the others
                }
            }
        }
        if (d.has(PacketDecoder.UDP)) {
            Udp u = d.udp();
            u.sourcePort();
            u.destinationPort();
            u.payloadBytes();
        }
        if (d.has(PacketDecoder.TCP)) {
            Tcp t = d.tcp();
            t.sequenceNumber();
            t.acknowledgmentNumber();
            t.flags();
            t.window();
            t.urgentPointer();
            for (int o = t.firstOption(); o >= 0; o = t.nextOption(o)) {
                t.optionKind(o);
            }
            tryAll(t::mss, t::windowScale, t::sackPermitted, t::timestampValue, t::timestampEchoReply);
        }
        if (d.has(PacketDecoder.LLDP)) {
            Lldp l = d.lldp();
            for (int t = l.firstTlv(); t >= 0; t = l.nextTlv(t)) {
                l.tlvType(t);
                l.tlvValueOffset(t);
                if (l.tlvType(t) == Lldp.TLV_ORGANIZATION_SPECIFIC) {
                    l.organizationOui(t);
                    l.organizationSubtype(t);
                    l.organizationInfo(t);
                }
            }
            tryAll(l::chassisIdSubtype, l::chassisId, l::chassisIdString, l::portIdSubtype, l::portId,
                    l::portIdString, l::ttl, l::portDescription, l::systemName, l::systemDescription,
                    l::systemCapabilities, l::enabledCapabilities);
            if (l.chassisIdSubtype() == Lldp.CHASSIS_MAC) {
                tryAll(l::chassisIdMacBits);
            }
            if (l.portIdSubtype() == Lldp.PORT_MAC) {
                tryAll(l::portIdMacBits);
            }
            int m = l.managementAddressTlv();
            if (m >= 0) {
                tryAll(() -> l.managementAddressSubtype(m), () -> l.managementAddress(m),
                        () -> l.managementInterfaceSubtype(m), () -> l.managementInterfaceNumber(m), () -> l.managementOid(m));
                if (l.managementAddressSubtype(m) == Lldp.ADDRESS_IPV4) {
                    tryAll(() -> l.managementAddressIpv4Bits(m));
                }
            }
        }
        if (d.has(PacketDecoder.WAKE_ON_LAN)) {
            WakeOnLan w = d.wakeOnLan();
            w.targetBits();
            w.password();
        }
        d.checksumsValid();
    }

    private static void tryAll(java.util.function.Supplier<?>... calls) {
        for (java.util.function.Supplier<?> c : calls) {
            try {
                c.get();
            } catch (MalformedPacketException ignored) {
                // allowed: the next accessor may still work
            }
        }
    }

    @Test
    void mutatedCaptureFilesThrowOnlyMalformedCapture() throws Exception {
        Random r = new Random(SEED);
        List<byte[]> corpus = Corpus.frames();
        for (CaptureFormat format : CaptureFormat.values()) {
            Path good = dir.resolve("good-" + format);
            try (CaptureWriter w = CaptureWriter.open(good, format)) {
                long t = 1_700_000_000_000_000_000L;
                for (byte[] f : corpus) {
                    w.write(t += 1000, f);
                }
            }
            byte[] bytes = Files.readAllBytes(good);
            Path bad = dir.resolve("bad-" + format);
            for (int i = 0; i < 400; i++) {
                byte[] m = bytes.clone();
                if (r.nextBoolean()) {
                    m = java.util.Arrays.copyOf(m, r.nextInt(m.length + 1));
                }
                for (int k = r.nextInt(6); k > 0 && m.length > 0; k--) {
                    m[r.nextInt(m.length)] = (byte) r.nextInt(256);
                }
                Files.write(bad, m);
                try (CaptureReader reader = CaptureReader.open(bad)) {
                    while (reader.next()) {
                        reader.frameBytes();
                        reader.timestampNanos();
                        reader.linkType();
                    }
                } catch (MalformedCaptureException expected) {
                    // the only failure a bad file may give
                } catch (RuntimeException e) {
                    fail(format + " mutation " + i + ": " + e + " on file " + HexFormat.of().formatHex(m), e);
                }
            }
        }
    }
}
