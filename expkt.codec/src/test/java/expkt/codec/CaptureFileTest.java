package expkt.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import expkt.api.packet.FrameView;
import expkt.codec.pcap.CaptureFormat;
import expkt.codec.pcap.CaptureReader;
import expkt.codec.pcap.CaptureWriter;
import expkt.codec.pcap.MalformedCaptureException;
import expkt.codec.pcap.PcapngWriter;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** pcap and pcapng files: tshark reads what we write (times, lengths, interfaces); we read it back. */
class CaptureFileTest {
    @TempDir
    Path dir;

    private static final long T0 = 1_764_072_000_123_456_789L;

    @Test
    void everyFormatRoundTripsThroughTsharkAndOurReader() throws Exception {
        List<byte[]> frames = Corpus.frames();
        byte[] jumbo = new byte[CaptureWriter.DEFAULT_SNAPLEN]; // with its record header, larger than the writer's buffer
        new Random(1).nextBytes(jumbo);
        for (CaptureFormat format : CaptureFormat.values()) {
            Path file = dir.resolve("all." + format);
            try (CaptureWriter w = CaptureWriter.open(file, format)) {
                expkt.api.spi.FrameWindow view = new expkt.api.spi.FrameWindow();
                for (int i = 0; i < frames.size(); i++) {
                    byte[] f = frames.get(i);
                    w.write(T0 + i * 1_001L, view.wrap(MemorySegment.ofArray(f), 0, f.length));
                }
                w.write(T0 + 99, MemorySegment.ofArray(jumbo), 0, jumbo.length, jumbo.length);
                w.write(T0 + 100, MemorySegment.ofArray(frames.get(0)), 0, 20, 42); // cut by a capture: 20 of 42 bytes
                assertEquals(frames.size() + 2, w.frames());
            }
            boolean micro = format == CaptureFormat.PCAP_MICROSECONDS;
            List<String[]> rows = ExternalTools.tsharkFields(file, List.of("frame.time_epoch", "frame.len", "frame.cap_len"));
            assertEquals(frames.size() + 2, rows.size(), format + ": frames tshark read");
            for (int i = 0; i < frames.size(); i++) {
                long t = T0 + i * 1_001L;
                long expectedNanos = micro ? t / 1000 * 1000 : t;
                String epoch = (expectedNanos / 1_000_000_000L) + "." + String.format("%09d", expectedNanos % 1_000_000_000L);
                assertEquals(epoch, rows.get(i)[0], format + " frame " + i + " time");
                assertEquals(String.valueOf(frames.get(i).length), rows.get(i)[1]);
            }
            assertEquals(String.valueOf(jumbo.length), rows.get(frames.size())[2]);
            assertEquals("42", rows.get(frames.size() + 1)[1]);
            assertEquals("20", rows.get(frames.size() + 1)[2]);

            try (CaptureReader r = CaptureReader.open(file)) {
                assertEquals(format == CaptureFormat.PCAPNG, r.isPcapng());
                for (int i = 0; i < frames.size(); i++) {
                    assertTrue(r.next());
                    long t = T0 + i * 1_001L;
                    assertEquals(micro ? t / 1000 * 1000 : t, r.timestampNanos(), format + " frame " + i);
                    assertArrayEquals(frames.get(i), r.frameBytes());
                    assertEquals(1, r.linkType());
                }
                assertTrue(r.next());
                assertArrayEquals(jumbo, r.frameBytes());
                assertTrue(r.next());
                assertEquals(20, r.capturedLength());
                assertEquals(42, r.originalLength());
                FrameView v = r.frame();
                assertEquals(20, v.length());
                assertFalse(r.next());
                assertFalse(v.isValid(), "next() released the view of the frame before");
                assertThrows(IllegalStateException.class, () -> v.getUnsignedByte(0));
            }
        }
    }

    @Test
    void pcapngKeepsInterfacesApart() throws Exception {
        Path file = dir.resolve("ports.pcapng");
        List<byte[]> frames = Corpus.frames();
        try (PcapngWriter w = new PcapngWriter(FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE),
                CaptureWriter.DEFAULT_SNAPLEN, CaptureWriter.LINKTYPE_ETHERNET, "1:1")) {
            int second = w.addInterface("1:2");
            assertEquals(1, second);
            w.write(0, T0, MemorySegment.ofArray(frames.get(0)), 0, frames.get(0).length, frames.get(0).length);
            w.write(1, T0 + 1, MemorySegment.ofArray(frames.get(1)), 0, frames.get(1).length, frames.get(1).length);
            assertThrows(IllegalArgumentException.class, () -> w.write(2, T0, MemorySegment.ofArray(frames.get(0)), 0, 1, 1));
        }
        List<String[]> rows = ExternalTools.tsharkFields(file, List.of("frame.interface_name", "frame.interface_id"));
        assertEquals("1:1", rows.get(0)[0]);
        assertEquals("1:2", rows.get(1)[0]);
        try (CaptureReader r = CaptureReader.open(file)) {
            assertTrue(r.next());
            assertEquals(0, r.interfaceId());
            assertTrue(r.next());
            assertEquals(1, r.interfaceId());
            assertEquals(T0 + 1, r.timestampNanos());
        }
    }

    @Test
    void snapLengthCutsFramesAndKeepsTheirOriginalLength() throws Exception {
        Path file = dir.resolve("snap.pcap");
        byte[] f = Corpus.frames().get(2);
        try (CaptureWriter w = CaptureWriter.open(file, CaptureFormat.PCAP, 32)) {
            w.write(T0, f);
        }
        try (CaptureReader r = CaptureReader.open(file)) {
            assertTrue(r.next());
            assertEquals(32, r.capturedLength());
            assertEquals(f.length, r.originalLength());
        }
    }

    @Test
    void badUseAndBadFilesAreNamed() throws Exception {
        Path file = dir.resolve("x.pcap");
        CaptureWriter w = CaptureWriter.open(file, CaptureFormat.PCAP);
        byte[] f = Corpus.frames().get(0);
        assertThrows(IllegalArgumentException.class, () -> w.write(-1, f));
        assertThrows(IllegalArgumentException.class, () -> w.write(T0, MemorySegment.ofArray(f), 0, f.length, f.length - 1));
        assertThrows(IllegalArgumentException.class, () -> w.write(T0, MemorySegment.ofArray(f), 10, f.length, f.length));
        w.close();
        w.close(); // idempotent
        IOException closed = assertThrows(IOException.class, () -> w.write(T0, f));
        assertTrue(closed.getMessage().contains("closed"));

        Path junk = dir.resolve("junk");
        Files.write(junk, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        MalformedCaptureException e = assertThrows(MalformedCaptureException.class, () -> CaptureReader.open(junk).close());
        assertTrue(e.getMessage().contains("offset 0"), e.getMessage());

        try (CaptureWriter ok = CaptureWriter.open(file, CaptureFormat.PCAP)) {
            ok.write(T0, f);
        }
        byte[] whole = Files.readAllBytes(file);
        Files.write(junk, java.util.Arrays.copyOf(whole, whole.length - 5));
        try (CaptureReader r = CaptureReader.open(junk)) {
            MalformedCaptureException cut = assertThrows(MalformedCaptureException.class, r::next);
            assertTrue(cut.getMessage().contains("offset 24"), cut.getMessage());
        }
    }
}
