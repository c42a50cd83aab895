package expkt.codec.pcap;

import expkt.api.packet.FrameView;
import java.io.Closeable;
import java.io.Flushable;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Writes frames with their timestamps to a capture file that tshark, tcpdump and Wireshark open.
 * Writing a frame copies it into the writer's buffer and allocates nothing, so a receive loop may
 * write each frame it receives (e.g. the {@code expkt:capture} command); the buffer goes to the
 * file when full, on {@link #flush()} and on {@link #close()}.
 *
 * <p>Not thread-safe: one thread writes, or callers synchronise.
 */
@ProviderType
public interface CaptureWriter extends Closeable, Flushable {
    /** Ethernet link type (LINKTYPE_ETHERNET). */
    int LINKTYPE_ETHERNET = 1;
    /** Snap length used unless another is given: whole frames, jumbo included. */
    int DEFAULT_SNAPLEN = 262_144;

    /**
     * Writes one frame: {@code length} bytes at {@code offset} of {@code segment} (cut to the snap
     * length), which was {@code originalLength} bytes on the wire, received at {@code epochNanos}
     * (nanoseconds since 1970-01-01 UTC).
     */
    void write(long epochNanos, MemorySegment segment, long offset, int length, int originalLength) throws IOException;

    /**
     * Writes a received frame (its length is its original length). The implementations copy it into
     * their buffer straight from the view (no allocation).
     */
    void write(long epochNanos, FrameView frame) throws IOException;

    /** Writes a frame held in an array. */
    default void write(long epochNanos, byte[] frame) throws IOException {
        write(epochNanos, MemorySegment.ofArray(frame), 0, frame.length, frame.length);
    }

    /** Frames written so far. */
    long frames();

    /** Opens (creates or truncates) {@code file} and writes the format's file header. */
    static CaptureWriter open(Path file, CaptureFormat format) throws IOException {
        return open(file, format, DEFAULT_SNAPLEN);
    }

    /** As {@link #open(Path, CaptureFormat)} with a snap length. */
    static CaptureWriter open(Path file, CaptureFormat format, int snaplen) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        try {
            return switch (format) {
                case PCAP -> new PcapWriter(ch, true, snaplen, LINKTYPE_ETHERNET);
                case PCAP_MICROSECONDS -> new PcapWriter(ch, false, snaplen, LINKTYPE_ETHERNET);
                case PCAPNG -> new PcapngWriter(ch, snaplen, LINKTYPE_ETHERNET, null);
            };
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }
}
