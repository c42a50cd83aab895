package expkt.codec.pcap;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;

/** The little-endian write buffer both writers share: records go in whole, the channel gets full buffers. */
final class BufferedSink {
    private final WritableByteChannel channel;
    final ByteBuffer buffer;
    private final MemorySegment bufferSegment;
    private boolean closed;

    BufferedSink(WritableByteChannel channel, int size) {
        this.channel = channel;
        this.buffer = ByteBuffer.allocateDirect(size).order(ByteOrder.LITTLE_ENDIAN);
        this.bufferSegment = MemorySegment.ofBuffer(buffer);
    }

    /** Makes room for {@code bytes} (flushing if needed); false if a record that big never fits. */
    boolean reserve(int bytes) throws IOException {
        ensureOpen();
        if (buffer.remaining() < bytes) {
            flush();
        }
        return buffer.remaining() >= bytes;
    }

    void put(MemorySegment src, long offset, int length) {
        MemorySegment.copy(src, offset, bufferSegment, buffer.position(), length);
        buffer.position(buffer.position() + length);
    }

    /** Writes a record bigger than the buffer straight to the channel. */
    void writeDirect(MemorySegment src, long offset, int length) throws IOException {
        flush();
        ByteBuffer b = src.asSlice(offset, length).asByteBuffer();
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    void pad(int bytes) {
        for (int i = 0; i < bytes; i++) {
            buffer.put((byte) 0);
        }
    }

    void flush() throws IOException {
        ensureOpen();
        buffer.flip();
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
        buffer.clear();
    }

    void close() throws IOException {
        if (closed) {
            return;
        }
        try {
            flush();
        } finally {
            closed = true;
            channel.close();
        }
    }

    void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("capture writer is closed");
        }
    }
}
