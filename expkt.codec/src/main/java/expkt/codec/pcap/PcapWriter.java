package expkt.codec.pcap;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.WritableByteChannel;

/**
 * Classic libpcap file writer (little-endian, version 2.4), with nanosecond (magic 0xA1B23C4D) or
 * microsecond (0xA1B2C3D4) timestamps. See {@link CaptureWriter} for the contract.
 */
public final class PcapWriter implements CaptureWriter {
    private static final int BUFFER = 1 << 18;
    private final BufferedSink sink;
    private final boolean nanos;
    private final int snaplen;
    private long frames;

    /** Writes the file header to {@code channel}, which the writer then owns. */
    public PcapWriter(WritableByteChannel channel, boolean nanosecondTimestamps, int snaplen, int linkType) throws IOException {
        if (snaplen < 1) {
            throw new IllegalArgumentException("snap length " + snaplen + " is not positive");
        }
        this.sink = new BufferedSink(channel, BUFFER);
        this.nanos = nanosecondTimestamps;
        this.snaplen = snaplen;
        sink.buffer.putInt(nanos ? 0xA1B2_3C4D : 0xA1B2_C3D4).putShort((short) 2).putShort((short) 4)
                .putInt(0).putInt(0).putInt(snaplen).putInt(linkType);
    }

    /** Where a received frame is copied before it is written (reused: no allocation per frame). */
    private MemorySegment frameCopy = MemorySegment.NULL;

    @Override
    public void write(long epochNanos, expkt.api.packet.FrameView frame) throws IOException {
        int n = frame.length();
        if (frameCopy.byteSize() < n) {
            frameCopy = MemorySegment.ofArray(new byte[Math.max(2048, n)]); // grown to the largest frame, then reused
        }
        frame.copyTo(0, frameCopy, 0, n);
        write(epochNanos, frameCopy, 0, n, n);
    }

    @Override
    public void write(long epochNanos, MemorySegment segment, long offset, int length, int originalLength) throws IOException {
        if (length < 0 || originalLength < length || offset < 0 || offset + length > segment.byteSize()) {
            throw new IllegalArgumentException("frame [" + offset + ", +" + length + "] of original length " + originalLength
                    + " is not inside a segment of " + segment.byteSize() + " bytes");
        }
        if (epochNanos < 0) {
            throw new IllegalArgumentException("timestamp " + epochNanos + " ns is before 1970");
        }
        int captured = Math.min(length, snaplen);
        long seconds = epochNanos / 1_000_000_000L;
        long fraction = epochNanos % 1_000_000_000L;
        if (seconds > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("timestamp " + epochNanos + " ns does not fit pcap's 32-bit seconds");
        }
        boolean fits = sink.reserve(16 + captured);
        sink.buffer.putInt((int) seconds).putInt((int) (nanos ? fraction : fraction / 1000)).putInt(captured).putInt(originalLength);
        if (fits) {
            sink.put(segment, offset, captured);
        } else {
            sink.writeDirect(segment, offset, captured);
        }
        frames++;
    }

    @Override
    public long frames() {
        return frames;
    }

    @Override
    public void flush() throws IOException {
        sink.flush();
    }

    @Override
    public void close() throws IOException {
        sink.close();
    }
}
