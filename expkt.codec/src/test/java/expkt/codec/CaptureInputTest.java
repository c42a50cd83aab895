package expkt.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import expkt.codec.pcap.CaptureReader;
import expkt.codec.pcap.CaptureWriter;
import expkt.codec.pcap.MalformedCaptureException;
import expkt.codec.pcap.PcapWriter;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Capture files as an attacker or an unusual capturing tool writes them, crafted byte by byte:
 * length fields near 2<sup>31</sup> and 2<sup>32</sup>, libpcap's FCS bits in the link type, a
 * pcapng {@code if_fcslen}, obsolete pcapng Packet Blocks. tshark reads the well-formed ones as the
 * oracle; the class Javadoc's decode loop must throw nothing but the two documented exceptions.
 */
class CaptureInputTest {
    @TempDir
    Path dir;

    private static final long T0 = 1_764_072_000_123_456_000L;

    /** A pcapng file in little-endian byte order, block by block. */
    static final class Pcapng {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Pcapng() {
            block(0x0A0D_0D0A, le(16).putInt(0x1A2B_3C4D).putShort((short) 1).putShort((short) 0).putLong(-1).array());
        }

        static ByteBuffer le(int n) {
            return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
        }

        /** A block of {@code type} with {@code body} (padded to 4 bytes) between its two length fields. */
        Pcapng block(int type, byte[] body) {
            int padded = (body.length + 3) & ~3;
            int total = 12 + padded;
            ByteBuffer b = le(total).putInt(type).putInt(total).put(body);
            b.position(8 + padded);
            out.writeBytes(b.putInt(total).array());
            return this;
        }

        /** Interface description of link type 1; {@code fcsLength} > 0 adds an if_fcslen option. */
        Pcapng ethernet(int fcsLength) {
            ByteBuffer b = le(fcsLength > 0 ? 8 + 8 + 4 : 8).putShort((short) 1).putShort((short) 0).putInt(262_144);
            if (fcsLength > 0) {
                b.putShort((short) 13).putShort((short) 1).put((byte) fcsLength).put(new byte[3]).putInt(0); // if_fcslen, opt_endofopt
            }
            return block(1, b.array());
        }

        /** An enhanced packet block whose captured-length field says {@code capField}. */
        Pcapng epb(int iface, long micros, byte[] data, int capField, int origLength) {
            ByteBuffer b = le(20 + data.length).putInt(iface).putInt((int) (micros >>> 32)).putInt((int) micros).putInt(capField)
                    .putInt(origLength).put(data);
            return block(6, b.array());
        }

        /** An obsolete packet block (type 2): 16-bit interface ID, 16-bit drops count, then as an EPB. */
        Pcapng packetBlock(int iface, int drops, long micros, byte[] data, int origLength) {
            ByteBuffer b = le(20 + data.length).putShort((short) iface).putShort((short) drops).putInt((int) (micros >>> 32))
                    .putInt((int) micros).putInt(data.length).putInt(origLength).put(data);
            return block(2, b.array());
        }

        Path write(Path file) throws Exception {
            Files.write(file, out.toByteArray());
            return file;
        }
    }

    /**
     * The decode loop of {@link CaptureReader}'s class Javadoc, as an application copies it: returns
     * the frames it decoded; anything but the two documented exceptions fails the test.
     */
    static int javadocLoop(Path file) {
        PacketDecoder decoder = new PacketDecoder();
        int decoded = 0;
        try (CaptureReader r = CaptureReader.open(file)) {
            while (r.next()) {
                if (r.linkType() == CaptureWriter.LINKTYPE_ETHERNET) {
                    try {
                        decoder.decode(r.segment(), r.frameOffset(), r.capturedLength(), r.originalLength());
                        decoded++;
                    } catch (MalformedPacketException e) {
                        // a bad frame: the next one may be fine
                    }
                }
            }
        } catch (MalformedCaptureException e) {
            return -1 - decoded;
        } catch (Exception e) {
            fail("the Javadoc's decode loop threw " + e + " on " + file, e);
        }
        return decoded;
    }

    @Test
    void aCapturedLengthNear2To31Or2To32IsMalformedNotAWrappedIndex() throws Exception {
        byte[] frame = Corpus.frames().get(3);
        // 0x7FFFFFE4 is the smallest length for which 28 + cap + 4 wraps in int arithmetic
        for (int cap : new int[] {0x7FFF_FFE4, 0x7FFF_FFF0, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFF0, 0xFFFF_FFFF}) {
            Path file = new Pcapng().ethernet(0).epb(0, 1, frame, cap, frame.length).write(dir.resolve("big.pcapng"));
            try (CaptureReader r = CaptureReader.open(file)) {
                MalformedCaptureException e = assertThrows(MalformedCaptureException.class, r::next,
                        () -> "captured length 0x" + Integer.toHexString(cap) + " in a " + file.toFile().length() + "-byte file");
                assertTrue(e.getMessage().contains("offset 48") && e.getMessage().contains(Long.toString(cap & 0xFFFF_FFFFL)), e.getMessage());
            }
            assertEquals(-1, javadocLoop(file));
        }
        // the same over the obsolete packet block and a classic pcap record
        byte[] whole = Files.readAllBytes(new Pcapng().ethernet(0).packetBlock(0, 0, 1, frame, frame.length).write(dir.resolve("pb.pcapng")));
        ByteBuffer.wrap(whole).order(ByteOrder.LITTLE_ENDIAN).putInt(48 + 20, 0x7FFF_FFF0);
        Files.write(dir.resolve("pb.pcapng"), whole);
        assertEquals(-1, javadocLoop(dir.resolve("pb.pcapng")));
        Path pcap = dir.resolve("big.pcap");
        try (CaptureWriter w = CaptureWriter.open(pcap, expkt.codec.pcap.CaptureFormat.PCAP)) {
            w.write(T0, frame);
        }
        byte[] p = Files.readAllBytes(pcap);
        ByteBuffer.wrap(p).order(ByteOrder.LITTLE_ENDIAN).putInt(24 + 8, 0xFFFF_FFF0);
        Files.write(pcap, p);
        assertEquals(-1, javadocLoop(pcap));
    }

    @Test
    void theJavadocLoopThrowsOnlyWhatItDocumentsOnMutatedFiles() throws Exception {
        Random random = new Random(13);
        List<byte[]> frames = Corpus.frames();
        Pcapng good = new Pcapng().ethernet(0).ethernet(4);
        for (int i = 0; i < frames.size(); i++) {
            byte[] f = frames.get(i);
            if (i % 3 == 0) {
                good.packetBlock(0, 0, i, f, f.length);
            } else {
                good.epb(i % 2, i, withFcs(f, i % 2 == 1), f.length + (i % 2 == 1 ? 4 : 0), f.length + 4 * (i % 2));
            }
        }
        byte[] bytes = Files.readAllBytes(good.write(dir.resolve("good.pcapng")));
        assertEquals(frames.size(), javadocLoop(dir.resolve("good.pcapng")));
        int lengthFields = 0;
        for (int i = 0; i < 3000; i++) {
            byte[] m = bytes.clone();
            ByteBuffer b = ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN);
            int at = random.nextInt(m.length / 4) * 4; // a 32-bit field: a length, an ID, a link type
            b.putInt(at, switch (random.nextInt(4)) {
                case 0 -> 0x7FFF_FFE4 + random.nextInt(28);
                case 1 -> -1 - random.nextInt(64);
                case 2 -> random.nextInt(256);
                default -> random.nextInt();
            });
            lengthFields++;
            Path file = dir.resolve("m.pcapng");
            Files.write(file, m);
            javadocLoop(file);
        }
        assertEquals(3000, lengthFields);
    }

    private static byte[] withFcs(byte[] frame, boolean fcs) {
        if (!fcs) {
            return frame;
        }
        CRC32 crc = new CRC32();
        crc.update(frame);
        byte[] f = java.util.Arrays.copyOf(frame, frame.length + 4);
        ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN).putInt(frame.length, (int) crc.getValue()); // sent least significant byte first
        return f;
    }

    @Test
    void theLinkTypeIsMaskedAsLibpcapDoesAndTheFcsLeftOut() throws Exception {
        List<byte[]> frames = Corpus.frames();
        Path file = dir.resolve("fcs.pcap");
        int linkField = 0x2000_0000 | 0x0400_0000 | CaptureWriter.LINKTYPE_ETHERNET; // FCS present, 2 x 16 bits
        try (PcapWriter w = new PcapWriter(FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE), true,
                CaptureWriter.DEFAULT_SNAPLEN, linkField)) {
            for (int i = 0; i < frames.size(); i++) {
                byte[] f = withFcs(frames.get(i), true);
                w.write(T0 + i, MemorySegment.ofArray(f), 0, f.length, f.length);
            }
            byte[] cut = withFcs(frames.get(2), true); // cut by the capture inside the FCS: two of its four bytes kept
            w.write(T0 + 99, MemorySegment.ofArray(cut), 0, cut.length - 2, cut.length);
        }
        // tshark, told nothing, finds the FCS where the link type says it is
        List<String[]> rows = ExternalTools.tsharkFields(file, List.of("frame.len", "eth.fcs", "frame.protocols"));
        assertEquals(frames.size() + 1, rows.size());
        try (CaptureReader r = CaptureReader.open(file)) {
            for (int i = 0; i < frames.size(); i++) {
                assertTrue(r.next());
                assertEquals(CaptureWriter.LINKTYPE_ETHERNET, r.linkType(), "frame " + i + ": link type 0x" + Integer.toHexString(linkField));
                assertEquals(4, r.fcsLength());
                assertArrayEquals(frames.get(i), r.frameBytes(), "frame " + i + " without its FCS");
                assertEquals(frames.get(i).length, r.originalLength());
                assertEquals(Integer.parseInt(rows.get(i)[0]), r.originalLength() + 4, "tshark's frame length counts the FCS");
                CRC32 crc = new CRC32();
                crc.update(frames.get(i));
                // tshark shows the four bytes after the frame read in network order: the CRC sent least significant byte first
                assertEquals(Integer.reverseBytes((int) crc.getValue()) & 0xFFFF_FFFFL, Long.decode(rows.get(i)[1]),
                        "tshark reads the FCS right after the bytes we report");
            }
            assertTrue(r.next());
            assertEquals(frames.get(2).length, r.capturedLength());
            assertEquals(frames.get(2).length, r.originalLength());
            assertFalse(r.next());
        }
        assertEquals(frames.size() + 1, javadocLoop(file));
    }

    @Test
    void pcapngIfFcslenIsHonoured() throws Exception {
        byte[] f = Corpus.frames().get(4);
        byte[] withFcs = withFcs(f, true);
        Path file = new Pcapng().ethernet(4).epb(0, 5, withFcs, withFcs.length, withFcs.length).write(dir.resolve("fcslen.pcapng"));
        List<String[]> rows = ExternalTools.tsharkFields(file, List.of("eth.fcs", "tcp.srcport"));
        assertEquals(1, rows.size());
        try (CaptureReader r = CaptureReader.open(file)) {
            assertTrue(r.next());
            assertEquals(4, r.fcsLength());
            assertArrayEquals(f, r.frameBytes());
            PacketDecoder d = new PacketDecoder().decode(r.segment(), r.frameOffset(), r.capturedLength(), r.originalLength());
            assertEquals(Fields.cell(rows.get(0)[1]), Fields.ours(d, "tcp.srcport"));
            assertTrue(d.checksumsValid());
        }
    }

    @Test
    void obsoletePacketBlocksAreRead() throws Exception {
        List<byte[]> frames = Corpus.frames();
        byte[] a = frames.get(3);
        byte[] b = frames.get(5);
        Path file = new Pcapng().ethernet(0).ethernet(0).packetBlock(1, 7, 1_764_072_000_000_001L, a, a.length)
                .packetBlock(0, 0, 1_764_072_000_000_002L, java.util.Arrays.copyOf(b, 60), b.length)
                .write(dir.resolve("pb.pcapng"));
        List<String[]> rows = ExternalTools.tsharkFields(file, List.of("frame.interface_id", "frame.time_epoch", "frame.len",
                "frame.cap_len", "eth.src", "udp.dstport", "ipv6.src"));
        assertEquals(2, rows.size(), "tshark reads both packet blocks");
        try (CaptureReader r = CaptureReader.open(file)) {
            assertTrue(r.next(), "the first packet block is a frame");
            assertEquals(1, r.interfaceId());
            assertEquals(Integer.parseInt(rows.get(0)[0]), r.interfaceId());
            assertEquals(1_764_072_000_000_001_000L, r.timestampNanos());
            assertEquals("1764072000.000001000", rows.get(0)[1]);
            assertArrayEquals(a, r.frameBytes());
            PacketDecoder d = new PacketDecoder().decode(r.segment(), r.frameOffset(), r.capturedLength(), r.originalLength());
            assertEquals(Fields.cell(rows.get(0)[4]), Fields.ours(d, "eth.src"));
            assertEquals(Fields.cell(rows.get(0)[5]), Fields.ours(d, "udp.dstport"));
            assertTrue(r.next());
            assertEquals(0, r.interfaceId());
            assertEquals(60, r.capturedLength());
            assertEquals(b.length, r.originalLength());
            assertEquals(Integer.parseInt(rows.get(1)[2]), r.originalLength());
            assertEquals(Integer.parseInt(rows.get(1)[3]), r.capturedLength());
            d.decode(r.segment(), r.frameOffset(), r.capturedLength(), r.originalLength());
            assertEquals(Fields.cell(rows.get(1)[6]), Fields.ours(d, "ipv6.src"));
            assertFalse(r.next());
        }
        // a packet block that names an interface the section does not have is malformed, as in an EPB
        Path bad = new Pcapng().ethernet(0).packetBlock(1, 0, 1, a, a.length).write(dir.resolve("pb-bad.pcapng"));
        try (CaptureReader r = CaptureReader.open(bad)) {
            MalformedCaptureException e = assertThrows(MalformedCaptureException.class, r::next);
            assertTrue(e.getMessage().contains("interface 1 of 1"), e.getMessage());
        }
    }
}
