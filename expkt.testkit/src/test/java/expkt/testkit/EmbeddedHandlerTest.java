package expkt.testkit;

import expkt.api.net.SlotPort;
import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.FrameView;
import expkt.api.packet.PacketType;
import expkt.api.packet.Vlan;
import expkt.codec.pcap.CaptureFormat;
import expkt.codec.pcap.CaptureReader;
import expkt.codec.pcap.CaptureWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EmbeddedHandlerTest {
    static final SlotPort P1 = SlotPort.of(1, 1), P2 = SlotPort.of(1, 2), P3 = SlotPort.of(1, 3);
    static final Vlan BLUE = Vlan.of("blue", 100, Set.of(P2), Set.of(P3));

    /** dst, src 52:54:00:00:00:01, ethertype, payload of n bytes counting up. */
    static byte[] frame(long dst, int etherType, int n) {
        byte[] f = new byte[14 + n];
        for (int i = 0; i < 6; i++) {
            f[i] = (byte) (dst >>> (40 - 8 * i));
        }
        f[6] = 0x52; f[7] = 0x54; f[11] = 1;
        f[12] = (byte) (etherType >>> 8);
        f[13] = (byte) etherType;
        for (int i = 0; i < n; i++) {
            f[14 + i] = (byte) i;
        }
        return f;
    }

    /** {@code f} without its outer tag (bytes 12..15), as a frame sent into a VLAN must be. */
    static byte[] untag(byte[] f) {
        byte[] u = new byte[f.length - 4];
        System.arraycopy(f, 0, u, 0, 12);
        System.arraycopy(f, 16, u, 12, f.length - 16);
        return u;
    }

    static byte[] tagged(byte[] f, int vid) {
        byte[] t = new byte[f.length + 4];
        System.arraycopy(f, 0, t, 0, 12);
        t[12] = (byte) 0x81; t[14] = (byte) (vid >>> 8); t[15] = (byte) vid;
        System.arraycopy(f, 12, t, 16, f.length - 12);
        return t;
    }

    @Test
    void aTaggedFrameArrivesWholeWithItsVlanAndWhatTheHandlerSendsIntoAVlanIsRecordedPerMember() throws Exception {
        List<ExosSockAddr> seen = new ArrayList<>();
        List<byte[]> frames = new ArrayList<>();
        EmbeddedHandler h = EmbeddedHandler.builder().ports(3).vlan(BLUE).build((frame, from, sender) -> {
            seen.add(from.copy());
            frames.add(frame.toArray());
            sender.sendto(ByteBuffer.wrap(untag(frame.toArray())), "blue"); // into a VLAN goes an untagged frame
        });
        byte[] plain = frame(0xFFFF_FFFF_FFFFL, 0x0842, 50);
        h.receive(tagged(plain, 100), P1);

        assertEquals(1, h.received());
        assertArrayEquals(tagged(plain, 100), frames.getFirst(), "whole, as on the wire: the tag in place, as the provider hands it");
        ExosSockAddr from = seen.getFirst();
        assertEquals(P1, from.slotPort());
        assertEquals("p1", from.ifName());
        assertEquals(100, from.vlanId());
        assertEquals("blue", from.vlanName());
        assertEquals(PacketType.BROADCAST, from.packetType());
        assertEquals(0x0842, from.protocol());
        assertEquals(plain.length + 4, from.capturedLength());
        assertEquals(0x8100, from.vlanTpid());
        assertEquals(100, from.vlanTci());
        assertEquals(EmbeddedHandler.DEFAULT_START_NANOS, from.timestampNanos());

        SentFrame out = h.takeSent().getFirst();
        assertEquals("blue", out.vlan());
        assertEquals(List.of(P2, P3), out.ports());
        assertArrayEquals(tagged(plain, 100), out.onWire(P2), "tagged member: 802.1Q tag inserted");
        assertArrayEquals(plain, out.onWire(P3), "untagged member: as sent");
        assertThrows(IllegalArgumentException.class, () -> out.onWire(P1));
        assertTrue(h.sent().isEmpty(), "takeSent forgets");
    }

    @Test
    void packetTypeFollowsTheDestinationMac() throws Exception {
        List<PacketType> types = new ArrayList<>();
        EmbeddedHandler h = EmbeddedHandler.builder().ports(1).switchMac(0x02_00_00_00_00_01L)
                .build((frame, from, sender) -> types.add(from.packetType()));
        h.receive(frame(0x0180_C200_000EL, 0x88CC, 40), P1);
        h.receive(frame(0x0200_0000_0001L, 0x0800, 40), P1);
        h.receive(frame(0x0200_0000_0002L, 0x0800, 40), P1);
        assertEquals(List.of(PacketType.MULTICAST, PacketType.HOST, PacketType.OTHERHOST), types);
    }

    @Test
    void aViewKeptAfterHandleReturnsThrowsInsteadOfReadingFreedMemory() throws Exception {
        FrameView[] kept = new FrameView[1];
        EmbeddedHandler h = EmbeddedHandler.builder().ports(1).build((frame, from, sender) -> {
            assertEquals(0x88, frame.getUnsignedByte(12), "readable while handle runs");
            kept[0] = frame;
        });
        h.receive(frame(0x0180_C200_000EL, 0x88CC, 40), P1);
        assertThrows(IllegalStateException.class, () -> kept[0].getUnsignedByte(12));
    }

    @Test
    void theSenderRefusesWhatTheProviderRefusesNamingTheValue() throws Exception {
        List<Exception> errors = new ArrayList<>();
        byte[] f = frame(0xFFFF_FFFF_FFFFL, 0x0800, 46);
        EmbeddedHandler h = EmbeddedHandler.builder().ports(2).vlan(Vlan.of("blue", 100, Set.of(), Set.of(P2)))
                .build((frame, from, sender) -> {
                    for (Runnable r : List.<Runnable>of(
                            () -> send(() -> sender.sendto(ByteBuffer.wrap(f), "purple")),
                            () -> send(() -> sender.sendto(ByteBuffer.wrap(f), List.of(SlotPort.of(1, 9)))),
                            () -> send(() -> sender.sendto(ByteBuffer.wrap(tagged(f, 100)), "blue")),
                            () -> send(() -> sender.sendto(ByteBuffer.wrap(new byte[10]), List.of(P1))))) {
                        try {
                            r.run();
                        } catch (IllegalArgumentException e) {
                            errors.add(e);
                        }
                    }
                    sender.sendto(ByteBuffer.wrap(f), List.of(P2, P1));
                });
        h.receive(f, P1);
        assertEquals(4, errors.size(), errors.toString());
        assertTrue(errors.get(0).getMessage().contains("\"purple\""), errors.get(0).getMessage());
        assertTrue(errors.get(1).getMessage().contains("1:9"), errors.get(1).getMessage());
        assertTrue(errors.get(2).getMessage().contains("untagged"), errors.get(2).getMessage());
        assertTrue(errors.get(3).getMessage().contains("10 bytes"), errors.get(3).getMessage());
        assertEquals(1, h.sent().size(), "only the good send is recorded");
        assertEquals(List.of(P2, P1), h.sent().getFirst().ports());
        assertThrows(IllegalArgumentException.class, () -> h.receive(f, SlotPort.of(2, 1)), "not a port of the harness");
    }

    interface Send {
        void run() throws Exception;
    }

    static void send(Send s) {
        try {
            s.run();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void theClockMovesOnlyWhenTheTestMovesIt() throws Exception {
        List<Long> stamps = new ArrayList<>();
        EmbeddedHandler h = EmbeddedHandler.builder().ports(1).startNanos(1_000).build((frame, from, sender) -> {
            stamps.add(from.timestampNanos());
            sender.sendto(ByteBuffer.wrap(frame.toArray()), List.of(P1));
        });
        byte[] f = frame(0xFFFF_FFFF_FFFFL, 0x0800, 46);
        h.receive(f, P1);
        h.advance(Duration.ofSeconds(30));
        h.receive(f, P1);
        assertEquals(List.of(1_000L, 30_000_001_000L), stamps);
        assertEquals(List.of(1_000L, 30_000_001_000L), h.sent().stream().map(SentFrame::atNanos).toList());
        assertEquals(30_000_001_000L, h.clock().instant().getEpochSecond() * 1_000_000_000L + h.clock().instant().getNano());
        assertThrows(IllegalArgumentException.class, () -> h.advance(Duration.ofSeconds(-1)));
    }

    @Test
    void replaysACaptureAtItsTimestampsAndWritesWhatWasSentAsOnTheWire(@TempDir Path dir) throws Exception {
        Path in = dir.resolve("in.pcapng");
        byte[] a = frame(0x0180_C200_000EL, 0x88CC, 40), b = tagged(frame(0xFFFF_FFFF_FFFFL, 0x0842, 102), 100);
        long t0 = 1_764_000_000_000_000_000L;
        try (CaptureWriter w = CaptureWriter.open(in, CaptureFormat.PCAPNG)) {
            w.write(t0, a);
            w.write(t0 + 2_000_000_000L, b);
        }
        List<Long> stamps = new ArrayList<>();
        EmbeddedHandler h = EmbeddedHandler.builder().ports(3).vlan(BLUE).build((frame, from, sender) -> {
            stamps.add(from.timestampNanos());
            if (from.vlanId() == 100) {
                sender.sendto(ByteBuffer.wrap(untag(frame.toArray())), "blue");
            }
        });
        assertEquals(2, h.replay(in, P1));
        assertEquals(List.of(t0, t0 + 2_000_000_000L), stamps);

        Path out = dir.resolve("out.pcap");
        assertEquals(2, h.writeSent(out, CaptureFormat.PCAP), "one record per egress port of the one frame sent");
        List<byte[]> records = new ArrayList<>();
        try (CaptureReader r = CaptureReader.open(out)) {
            while (r.next()) {
                records.add(r.frameBytes());
                assertEquals(t0 + 2_000_000_000L, r.timestampNanos());
            }
        }
        assertEquals(2, records.size());
        assertArrayEquals(b, records.get(0), "1:2 is a tagged member: the frame as it came in");
        assertArrayEquals(Arrays.copyOf(frame(0xFFFF_FFFF_FFFFL, 0x0842, 102), 14 + 102), records.get(1), "1:3 untagged");
    }

    @Test
    void whatTheHandlerThrowsReachesTheTestNamingTheFrameOfACapture(@TempDir Path dir) throws Exception {
        Path in = dir.resolve("in.pcap");
        try (CaptureWriter w = CaptureWriter.open(in, CaptureFormat.PCAP)) {
            w.write(0, frame(0xFFFF_FFFF_FFFFL, 0x0800, 46));
            w.write(0, frame(0xFFFF_FFFF_FFFFL, 0x0806, 46));
        }
        EmbeddedHandler h = EmbeddedHandler.builder().ports(1).build((frame, from, sender) -> {
            if (from.protocol() == 0x0806) {
                throw new IllegalStateException("no ARP here");
            }
        });
        var e = assertThrows(IllegalStateException.class, () -> h.replay(in, P1));
        assertTrue(e.getMessage().startsWith("frame 2 of "), e.getMessage());
        assertTrue(e.getMessage().contains("no ARP here"), e.getMessage());
    }
}
