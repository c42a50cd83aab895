package expkt.api.packet;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One received frame, read in place (zero copy) from the socket's receive ring, and nothing else: a
 * view reads only the bytes of its frame, {@code [0, length())}, and never writes them.
 *
 * <p><b>The frame is whole</b>, byte for byte as it was on the wire, L2 header first (the seed: "pkt is a
 * string containing the entire packet, including L2 headers"): an 802.1Q or 802.1ad tag that the Linux
 * kernel moved out of the frame into its metadata is back at offset 12 (TPID at 12, TCI at 14, the
 * ethertype or the inner tag at 16). {@link ExosSockAddr#vlanTpid()}/{@link ExosSockAddr#vlanTci()}
 * repeat that outer tag.
 *
 * <p><b>Lifetime</b> (Netty's released-buffer rule). A view is valid while the socket's owner handles
 * it: for a {@link expkt.api.handler.PacketHandler}, during {@code handle()}; for a socket's
 * {@link PacketSocket#receive}, until the next receive on that socket, or until its callback call
 * returns, or until the socket closes. Then the provider <i>releases</i> it and every method throws
 * {@link IllegalStateException} naming this rule instead of reading a ring slot that the kernel has
 * refilled with another frame. Copy what must outlive the frame ({@link #toArray()},
 * {@link #copyTo}). The provider reuses a few view objects per socket (so that receiving allocates
 * nothing): a view kept long enough may be re-issued for a later frame and then reads that one; keeping
 * a view is always a bug, and the check is the net that catches it in the common case.
 *
 * <p>Implemented by the provider only. Threading: read the view on the thread it was handed to.
 *
 * @since 2.0 (a class up to 1.x, with {@code wrap}, {@code segment()} and {@code offset()}, which
 *        exposed the whole writable receive ring)
 */
@ProviderType
public interface FrameView {
    /** Bytes of the frame (with its outer VLAN tag, if it had one). */
    int length();

    /** True while the view may be read; false once the provider released it (every read then throws). */
    boolean isValid();

    /** The byte at {@code index}, 0..255. */
    int getUnsignedByte(int index);

    /** Big-endian (network order) unsigned 16 bits at {@code index}. */
    int getUnsignedShort(int index);

    /** Big-endian (network order) 32 bits at {@code index}. */
    int getInt(int index);

    /** Big-endian (network order) 64 bits at {@code index}. */
    long getLong(int index);

    /** Copies {@code length} bytes from {@code index} of the frame into {@code dst} at {@code dstIndex}. */
    void getBytes(int index, byte[] dst, int dstIndex, int length);

    /**
     * Copies {@code length} bytes from {@code index} of the frame into {@code dst} at {@code dstOffset}
     * (a buffer of the caller's: a decoder's scratch, a capture writer's block).
     */
    void copyTo(int index, MemorySegment dst, long dstOffset, int length);

    /** Copies the whole frame into {@code dst} from its position; returns the bytes copied (all of them). */
    int copyTo(ByteBuffer dst);

    /** A copy of the frame's bytes (allocates). */
    byte[] toArray();
}
