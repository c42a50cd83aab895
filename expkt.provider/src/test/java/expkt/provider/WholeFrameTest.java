package expkt.provider;

import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.Filter;
import expkt.api.packet.FrameView;
import expkt.provider.socket.PacketSocketImpl;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Frames come up whole (issue 16): the outer tag that the kernel moved into metadata is back in the
 * frame's bytes, for recvfrom and for the zero-copy view; an explicit ethertype offset counts in that
 * whole frame (the BPF program and the nft rules translate it); a view reads only its frame, never
 * writes, and throws once released (issue 14).
 */
class WholeFrameTest extends L2ProviderTestBase {
    static final String DST = "00:e0:2b:00:00:00";

    /** dst, src, then {@code tags} as (TPID, TCI) pairs, the ethertype and a counting payload: {@code total} bytes. */
    static byte[] frame(int total, int ethertype, int... tags) {
        ByteBuffer b = ByteBuffer.allocate(total);
        b.put(Wire.mac(DST)).put(Wire.mac(HOST_MAC));
        for (int i = 0; i < tags.length; i += 2) {
            b.putShort((short) tags[i]).putShort((short) tags[i + 1]);
        }
        b.putShort((short) ethertype);
        while (b.hasRemaining()) {
            b.put((byte) b.position());
        }
        return b.array();
    }

    static List<byte[]> recvAll(PacketSocketImpl s, List<ExosSockAddr> addrs) throws Exception {
        s.setTimeout(Duration.ofMillis(300));
        List<byte[]> got = new ArrayList<>();
        byte[] buf = new byte[9000];
        ExosSockAddr a = new ExosSockAddr();
        int n;
        while ((n = s.recvfrom(buf, a)) >= 0) {
            got.add(java.util.Arrays.copyOf(buf, n));
            addrs.add(a.copy());
        }
        return got;
    }

    static String hex(List<byte[]> frames) {
        return frames.stream().map(f -> HexFormat.of().formatHex(f)).toList().toString();
    }

    @Test
    void taggedQinQAndUntaggedFramesComeUpByteForByteAsSent() throws Exception {
        engine(new String[0], new String[] {"name=blue tag=100 tagged=1:1,1:2"});
        Wire h1 = wire(1);
        PacketSocketImpl s = engine.open(OWNER);
        s.setupFilter(Filter.named("whole").ethertype(0x0842).build());
        List<byte[]> sent = List.of(
                frame(64, 0x0842, 0x8100, 0xA064),                 // 802.1Q vid 100, priority 5
                frame(68, 0x0842, 0x88A8, 0x00C8, 0x8100, 0x0064),  // QinQ: 802.1ad 200, then 802.1Q 100
                frame(64, 0x0842, 0x88A8, 0x012C),                 // one 802.1ad tag, vid 300
                frame(64, 0x0842));                                // untagged: unchanged
        for (byte[] f : sent) {
            h1.send(f);
        }
        List<ExosSockAddr> addrs = new ArrayList<>();
        List<byte[]> got = recvAll(s, addrs);
        assertEquals(hex(sent), hex(got), "recvfrom returns each frame as it was on the wire");
        assertEquals(List.of(100, 200, 300, -1), addrs.stream().map(ExosSockAddr::vlanId).toList());
        assertEquals(List.of(0x8100, 0x88A8, 0x88A8, 0), addrs.stream().map(ExosSockAddr::vlanTpid).toList());
        assertEquals(List.of(0xA064, 0x00C8, 0x012C, -1), addrs.stream().map(ExosSockAddr::vlanTci).toList());
        assertEquals(List.of(64, 68, 64, 64), addrs.stream().map(ExosSockAddr::capturedLength).toList());
        assertEquals(List.of(64, 68, 64, 64), addrs.stream().map(ExosSockAddr::originalLength).toList());

        // the zero-copy view: the same bytes
        for (byte[] f : sent) {
            h1.send(f);
        }
        s.setTimeout(Duration.ofMillis(300));
        ExosSockAddr a = new ExosSockAddr();
        List<byte[]> viewed = new ArrayList<>();
        FrameView v;
        while ((v = s.receive(a)) != null) {
            viewed.add(v.toArray());
        }
        assertEquals(hex(sent), hex(viewed), "receive() views each frame as it was on the wire");
    }

    @Test
    void anExplicitOffsetCountsInTheWholeFrameTaggedOrNot() throws Exception {
        engine();
        Wire h1 = wire(1);
        byte[] dot1q = frame(64, 0x0842, 0x8100, 0xA064);
        byte[] ad = frame(64, 0x0842, 0x88A8, 0x012C);
        byte[] untagged = frame(64, 0x0842);
        // @16: the ethertype behind one tag; @12 the outer TPID; @14 the outer TCI; @13 straddles TPID and TCI
        PacketSocketImpl at16 = engine.open(OWNER);
        at16.setupFilter(Filter.named("at16").ethertype(0x0842).ethertypeOffset(16).build());
        PacketSocketImpl at12 = engine.open(OWNER);
        at12.setupFilter(Filter.named("at12").ethertype(0x88A8).ethertypeOffset(12).build());
        PacketSocketImpl at14 = engine.open(OWNER);
        at14.setupFilter(Filter.named("at14").ethertype(0xA064).ethertypeOffset(14).build());
        PacketSocketImpl at13 = engine.open(OWNER);
        at13.setupFilter(Filter.named("at13").ethertype(0xA801).ethertypeOffset(13).build());
        PacketSocketImpl at18 = engine.open(OWNER);
        // payload byte i is i in every frame: bytes 18..19 read 0x1213 in all three
        at18.setupFilter(Filter.named("at18").ethertype(0x1213).ethertypeOffset(18).build());
        for (byte[] f : List.of(dot1q, ad, untagged)) {
            h1.send(f);
        }
        assertEquals(hex(List.of(dot1q, ad)), hex(recvAll(at16, new ArrayList<>())), "@16: the tagged frames have 0x0842 there, not the untagged one");
        assertEquals(hex(List.of(ad)), hex(recvAll(at12, new ArrayList<>())), "@12: the 802.1ad TPID, from metadata");
        assertEquals(hex(List.of(dot1q)), hex(recvAll(at14, new ArrayList<>())), "@14: the whole TCI (priority 5, vid 100)");
        assertEquals(hex(List.of(ad)), hex(recvAll(at13, new ArrayList<>())), "@13: TPID's low byte 0xa8, TCI's high byte 0x01");
        assertEquals(hex(List.of(dot1q, ad, untagged)), hex(recvAll(at18, new ArrayList<>())), "@18: the same bytes in all three");
    }

    @Test
    void aViewReadsOnlyItsFrameNeverWritesAndThrowsOnceReleased() throws Exception {
        engine();
        Wire h1 = wire(1);
        PacketSocketImpl s = engine.open(OWNER);
        s.setupFilter(Filter.named("views").ethertype(0x0842).build());
        byte[] first = frame(64, 0x0842);
        byte[] second = frame(70, 0x0842);
        h1.send(first);
        h1.send(second);
        s.setTimeout(Duration.ofSeconds(5));
        ExosSockAddr a = new ExosSockAddr();
        FrameView v = s.receive(a);
        assertNotNull(v);
        assertTrue(v.isValid());
        assertEquals(64, v.length());
        assertEquals(0x0842, v.getUnsignedShort(12));
        // nothing outside [0, length): not the bytes after the frame, not the ring header before it
        assertThrows(IndexOutOfBoundsException.class, () -> v.getUnsignedByte(64));
        assertThrows(IndexOutOfBoundsException.class, () -> v.getUnsignedByte(-1));
        assertThrows(IndexOutOfBoundsException.class, () -> v.getInt(62));
        assertThrows(IndexOutOfBoundsException.class, () -> v.getLong(60));
        assertThrows(IndexOutOfBoundsException.class, () -> v.getBytes(60, new byte[8], 0, 8));
        assertThrows(IndexOutOfBoundsException.class, () -> v.copyTo(0, java.lang.foreign.MemorySegment.ofArray(new byte[100]), 0, 65));
        // no method writes, and the API type has no way to the ring (no segment(), no offset(), no wrap)
        for (var m : FrameView.class.getMethods()) {
            assertFalse(m.getReturnType() == java.lang.foreign.MemorySegment.class || m.getName().equals("wrap")
                    || m.getName().startsWith("set") || m.getName().startsWith("put"), "FrameView." + m.getName());
        }
        byte[] copy = v.toArray();
        assertArrayEquals(first, copy);

        FrameView next = s.receive(a); // the next receive releases the view before it
        assertNotNull(next);
        assertEquals(70, next.length());
        assertFalse(v.isValid());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> v.getUnsignedShort(12));
        assertTrue(e.getMessage().contains("valid only during handle(), or until the next receive"), e.getMessage());
        assertThrows(IllegalStateException.class, v::length);
        assertThrows(IllegalStateException.class, v::toArray);
        s.close();
        assertThrows(IllegalStateException.class, () -> next.getUnsignedByte(0), "close releases the last view");
    }
}
