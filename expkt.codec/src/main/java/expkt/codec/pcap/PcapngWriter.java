package expkt.codec.pcap;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;

/**
 * pcapng writer (little-endian): a section header, one interface description block per interface
 * (with its name and nanosecond resolution), then an enhanced packet block per frame. Interface 0
 * is created with the writer; {@link #addInterface} adds more (e.g. one per port captured), and
 * {@link #write(int, long, MemorySegment, long, int, int)} says which one a frame came in on.
 * See {@link CaptureWriter} for the contract.
 */
public final class PcapngWriter implements CaptureWriter {
    private static final int BUFFER = 1 << 18;
    private final BufferedSink sink;
    private final int snaplen;
    private final int linkType;
    private int interfaces;
    private long frames;

    /** Writes the section header and interface 0 (named {@code interfaceName}, may be null) to {@code channel}, which the writer then owns. */
    public PcapngWriter(WritableByteChannel channel, int snaplen, int linkType, String interfaceName) throws IOException {
        if (snaplen < 1) {
            throw new IllegalArgumentException("snap length " + snaplen + " is not positive");
        }
        this.sink = new BufferedSink(channel, BUFFER);
        this.snaplen = snaplen;
        this.linkType = linkType;
        byte[] app = "expkt".getBytes(StandardCharsets.UTF_8);
        int optLen = 4 + pad4(app.length) + 4;
        int total = 28 + optLen;
        sink.buffer.putInt(0x0A0D_0D0A).putInt(total).putInt(0x1A2B_3C4D).putShort((short) 1).putShort((short) 0)
                .putLong(-1L);
        option(4, app); // shb_userappl
        sink.buffer.putInt(0).putInt(total);
        addInterface(interfaceName);
    }

    private static int pad4(int n) {
        return (n + 3) & ~3;
    }

    private void option(int code, byte[] value) {
        sink.buffer.putShort((short) code).putShort((short) value.length).put(value);
        sink.pad(pad4(value.length) - value.length);
    }

    /** Adds an interface (e.g. {@code "1:2"} or an interface name); returns its id for {@link #write(int, long, MemorySegment, long, int, int)}. */
    public int addInterface(String name) throws IOException {
        byte[] n = name == null ? new byte[0] : name.getBytes(StandardCharsets.UTF_8);
        if (n.length > 256) {
            throw new IllegalArgumentException("interface name of " + n.length + " bytes is longer than 256");
        }
        int opts = (n.length > 0 ? 4 + pad4(n.length) : 0) + 8 + 4;
        int total = 20 + opts;
        sink.reserve(total);
        sink.buffer.putInt(1).putInt(total).putShort((short) linkType).putShort((short) 0).putInt(snaplen);
        if (n.length > 0) {
            option(2, n); // if_name
        }
        option(9, new byte[] {9}); // if_tsresol: 10^-9 s
        sink.buffer.putInt(0).putInt(total);
        return interfaces++;
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
        write(0, epochNanos, segment, offset, length, originalLength);
    }

    /** Writes a frame that came in on interface {@code interfaceId}. */
    public void write(int interfaceId, long epochNanos, MemorySegment segment, long offset, int length, int originalLength) throws IOException {
        if (interfaceId < 0 || interfaceId >= interfaces) {
            throw new IllegalArgumentException("interface " + interfaceId + " is not one of the " + interfaces + " added");
        }
        if (length < 0 || originalLength < length || offset < 0 || offset + length > segment.byteSize()) {
            throw new IllegalArgumentException("frame [" + offset + ", +" + length + "] of original length " + originalLength
                    + " is not inside a segment of " + segment.byteSize() + " bytes");
        }
        if (epochNanos < 0) {
            throw new IllegalArgumentException("timestamp " + epochNanos + " ns is before 1970");
        }
        int captured = Math.min(length, snaplen);
        int padded = pad4(captured);
        int total = 32 + padded;
        boolean fits = sink.reserve(total);
        sink.buffer.putInt(6).putInt(total).putInt(interfaceId).putInt((int) (epochNanos >>> 32)).putInt((int) epochNanos)
                .putInt(captured).putInt(originalLength);
        if (fits) {
            sink.put(segment, offset, captured);
            sink.pad(padded - captured);
            sink.buffer.putInt(total);
        } else {
            sink.writeDirect(segment, offset, captured);
            sink.reserve(8);
            sink.pad(padded - captured);
            sink.buffer.putInt(total);
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
