package expkt.api.packet;

import expkt.api.net.SlotPort;
import org.osgi.annotation.versioning.ProviderType;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;

/**
 * An L2 packet socket on the data plane (the seed's {@code expkt.socket(PF_EXOS_PACKET, ...)}).
 *
 * <p>Nothing is received until a filter is set; several filters are OR-ed. A frame comes up whole,
 * byte for byte as it was on the wire, L2 headers and VLAN tags included: the outer 802.1Q/802.1ad tag
 * that the Linux kernel moved into metadata is put back at offset 12 (and repeated in the address, see
 * {@link ExosSockAddr#vlanId()}, {@link ExosSockAddr#vlanTpid()}). Since 2.0; before, the outer tag was
 * only in the address.
 *
 * <p>Blocking: a new socket blocks in {@code recvfrom} until a frame arrives. {@link #setTimeout}
 * bounds the wait, {@link #setBlocking(boolean) setBlocking(false)} makes it return at once.
 * Either way, {@code recvfrom} returns -1 when there was no frame.
 *
 * <p>Threading: a socket is used by one thread at a time (the dispatcher's, when a callback is set);
 * {@link #close()} may be called from any thread.
 *
 * <p>Errors: a bad argument gives {@link IllegalArgumentException} naming it; any call after
 * {@link #close()} gives {@link java.nio.channels.ClosedChannelException}; a kernel failure gives an
 * {@link IOException} naming the operation and errno.
 */
@ProviderType
public interface PacketSocket extends AutoCloseable {

    /**
     * Installs a filter (in the kernel: a classic BPF program on the socket, and an nftables rule
     * with a counter named after the filter). Names are unique across the host: a duplicate gives an
     * {@link IllegalArgumentException} naming the bundle that holds it.
     *
     * <p>UP_AND_DROP with EGRESS (or BOTH) still brings the frame up: the frame is kept from leaving the
     * port and a copy of it is handed to the socket as an EGRESS frame of that port. Other sockets'
     * EGRESS filters on that port do not see it (it never left).
     */
    void setupFilter(Filter filter) throws IOException;

    /** The filters of this socket, in the order they were set up. */
    List<Filter> filters();

    /** Removes every filter of this socket (also done by {@link #close()}). */
    void removeFilters() throws IOException;

    /**
     * Copies the next frame into {@code dst} (from its position, which advances) and fills
     * {@code from}. Returns the frame's length, or -1 if no frame came (non-blocking, or the timeout
     * ran out). A frame longer than {@code dst}'s remaining space is truncated to it (the address's
     * captured and original lengths tell).
     */
    int recvfrom(ByteBuffer dst, ExosSockAddr from) throws IOException;

    /** As {@link #recvfrom(ByteBuffer, ExosSockAddr)}, into {@code buf[0..]}. */
    int recvfrom(byte[] buf, ExosSockAddr from) throws IOException;

    /**
     * The next frame without a copy, whole (as {@code recvfrom} copies it): a read-only view of that
     * frame only, valid until the next receive on this socket, the end of the callback call it was
     * received in, or {@link #close()}; then it is released and reading it throws
     * {@link IllegalStateException} (see {@link FrameView}). Null if no frame came. Nothing is
     * allocated ({@code from} is the caller's holder; the views are the socket's, reused).
     */
    FrameView receive(ExosSockAddr from) throws IOException;

    /**
     * Sends {@code frame} (from its position to its limit) out of exactly these ports. A frame longer
     * than a port takes is refused before anything is sent ({@link IllegalArgumentException} naming its
     * length and the limit: the port's MTU + 14 bytes of Ethernet header, + 4 more for a frame whose
     * outer tag is 802.1Q, as the kernel allows).
     *
     * @throws PartialSendException after sending, if some ports did not take the frame (each named with why)
     */
    void sendto(ByteBuffer frame, List<SlotPort> slotPorts) throws IOException;

    /** Sends {@code frame} out of exactly these ports. */
    void sendto(byte[] frame, SlotPort... slotPorts) throws IOException;

    /**
     * Forwards {@code frame} in the VLAN, as the seed's {@code sendto(pkt, vlan_name=...)} does: a
     * unicast destination MAC the data plane's forwarding database knows on a member port (learned by
     * the kernel's bridge, or from frames the host received) goes out of that one port; broadcast,
     * multicast and unknown unicast are flooded to every member port. An 802.1Q tag is inserted on
     * tagged members, none on untagged ones. The frame must be untagged; as a tagged member gets it 4
     * bytes longer, it may be at most MTU + 14 bytes long for every member (checked whatever the
     * forwarding database says). {@code expkt:fdb} shows the database.
     *
     * @throws PartialSendException after sending, if some member ports did not take the frame
     */
    void sendto(ByteBuffer frame, String vlanName) throws IOException;

    void sendto(byte[] frame, String vlanName) throws IOException;

    /**
     * Sends a burst: every frame of {@code frames} (each from its position to its limit, which it
     * advances) out of every port of {@code slotPorts}, batched into as few system calls as possible.
     * Every frame and port is checked first: a bad one sends nothing. Returns how many frame-port
     * sends the kernel accepted.
     *
     * @throws PartialSendException after sending, if some ports did not take some frames
     */
    default int sendBurst(List<ByteBuffer> frames, List<SlotPort> slotPorts) throws IOException {
        int sent = 0;
        for (ByteBuffer f : frames) {
            sendto(f, slotPorts);
            sent += slotPorts.size();
        }
        return sent;
    }

    /**
     * Claims the next free slot of {@code port}'s transmit ring (made on the first claim: a TPACKET
     * ring of this socket for that port), to build a frame in place: see {@link FrameClaim}. Returns
     * null when every slot is still queued or being sent (the kernel frees them as the frames leave:
     * {@link #flush()} and try again). One claim at a time per socket; frames go out of that port
     * exactly as {@code sendto(frame, port)} would send them (through the port's queueing discipline,
     * seen by EGRESS filters).
     *
     * @throws IllegalArgumentException naming an unknown port
     * @throws IllegalStateException if a claim of this socket is still open
     * @since 1.5
     */
    FrameClaim tryClaim(SlotPort port) throws IOException;

    /**
     * Hands every committed claim to the kernel: one system call per port with committed frames, not
     * one per frame. Returns the frames handed over.
     *
     * @since 1.5
     */
    int flush() throws IOException;

    /**
     * Sets a callback the shared dispatcher calls when frames are ready (the seed's
     * {@code set_callback(func, buf_size=9000, flags)}). Replaces a previous one.
     *
     * @param bufSize largest frame the callback expects (for {@code recvfrom} buffers); default 9000
     * @param flags reserved, 0
     */
    void setCallback(PacketCallback callback, int bufSize, int flags) throws IOException;

    default void setCallback(PacketCallback callback) throws IOException {
        setCallback(callback, 9000, 0);
    }

    /** Removes the callback (also done by {@link #close()}). */
    void removeCallback() throws IOException;

    void setBlocking(boolean blocking) throws IOException;

    /** Bounds each blocking receive; null or zero means wait forever. */
    void setTimeout(Duration timeout) throws IOException;

    /** {@code SO_VRID} at {@code SOL_SOCKET}: the VR id this socket filters on, -1 for every VR. */
    int getsockopt(int level, int option) throws IOException;

    void setsockopt(int level, int option, int value) throws IOException;

    /** Frames the kernel dropped for this socket because its ring was full, since it was opened. */
    long drops();

    /**
     * The receive mode the socket was opened with.
     *
     * @since 1.2
     */
    RxMode rxMode();

    boolean isOpen();

    /** Closes the socket: removes its filters, kernel rules and callback. Idempotent. */
    @Override
    void close();
}
