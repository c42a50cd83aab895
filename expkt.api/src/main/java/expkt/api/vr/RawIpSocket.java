package expkt.api.vr;

import org.osgi.annotation.versioning.ProviderType;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * A raw IP socket in a virtual router ({@code socket(AF_INET or AF_INET6, SOCK_RAW, protocol)}): the
 * seed's Impacket ICMP example. With {@link #setHeaderIncluded(boolean) IP_HDRINCL} the caller builds the
 * IP header; without it the kernel adds one. What is received on an AF_INET raw socket always starts
 * with the IP header (an AF_INET6 one starts with the payload: the kernel strips IPv6 headers).
 *
 * <p>Options: {@code SOL_SOCKET}/{@code SO_VRID} is the VR id; every other level/option given to
 * {@link #setsockopt}/{@link #getsockopt} goes to the kernel socket as an int option (e.g.
 * {@code IPPROTO_IP}/{@code IP_HDRINCL}, {@code SOL_SOCKET}/{@code SO_RCVBUF}).
 *
 * <p>Threading: one thread may send while another receives. A receive blocks its thread in poll(2) in
 * slices of at most 100 ms (a virtual thread pins its carrier meanwhile: receive on a platform thread
 * for long waits); {@link #close()} from another thread ends a pending receive within one slice. Send
 * and receive allocate nothing but the returned sender address of {@link #receive(ByteBuffer)}.
 * A VR change ({@link #setVr}) replaces the kernel socket: do it before sending or receiving, not while
 * another thread does.
 */
@ProviderType
public interface RawIpSocket extends VrScoped, Closeable {
    /** Socket domains and protocol numbers as in the C headers, so ported code reads the same. */
    int AF_INET = 2;
    int AF_INET6 = 10;
    int IPPROTO_IP = 0;
    int IPPROTO_ICMP = 1;
    int IPPROTO_IPV6 = 41;
    int IPPROTO_ICMPV6 = 58;
    int IPPROTO_RAW = 255;
    /** At {@link #IPPROTO_IP}: the caller supplies the IPv4 header. */
    int IP_HDRINCL = 3;
    /** At {@link #IPPROTO_IPV6}: the caller supplies the IPv6 header. */
    int IPV6_HDRINCL = 36;

    /** {@code AF_INET} (2) or {@code AF_INET6} (10). */
    int domain();

    /** The IP protocol number given at creation (e.g. 1 for ICMP). */
    int protocol();

    /** IP_HDRINCL (IPV6_HDRINCL on AF_INET6): the caller's buffer starts with the IP header. */
    void setHeaderIncluded(boolean included) throws IOException;

    boolean isHeaderIncluded();

    /** How long {@link #receive} waits; {@link Duration#ZERO} waits for ever (the default). */
    void setReceiveTimeout(Duration timeout);

    Duration receiveTimeout();

    /** Binds to a local address of the VR: only packets to it are received. No VR change afterwards. */
    void bind(InetAddress local) throws IOException;

    /**
     * Sends the buffer's remaining bytes to {@code destination}. With the header included a null
     * destination means "the destination in the IP header". Returns the bytes sent.
     */
    int send(ByteBuffer packet, InetAddress destination) throws IOException;

    /** Sends {@code length} bytes of {@code packet} from {@code offset}; see {@link #send(ByteBuffer, InetAddress)}. */
    int send(byte[] packet, int offset, int length, InetAddress destination) throws IOException;

    /**
     * Receives one packet into the buffer's remaining space (the position advances); returns the
     * sender's address. A timeout gives a {@link java.net.SocketTimeoutException}.
     */
    InetAddress receive(ByteBuffer into) throws IOException;

    /** Receives one packet into {@code into}; returns its length. A timeout gives a {@link java.net.SocketTimeoutException}. */
    int receive(byte[] into, int offset, int length) throws IOException;

    /**
     * The seed's {@code set_callback(func, buf_size=9000, flags)}: the shared dispatcher thread calls
     * {@code callback} whenever a packet waits. Replaces a previous callback. Inside the call a receive
     * never blocks, whatever {@link #setReceiveTimeout} says: {@link #receive(byte[], int, int)} returns
     * -1 and {@link #receive(ByteBuffer)} null when nothing waits (instead of waiting or throwing a
     * timeout). {@code bufSize}: a receive inside the call copies at most this many bytes of a packet
     * (as Python's {@code recvfrom(buf_size)}; the rest of that packet is dropped); default 9000.
     * {@code flags} must be 0. Removed when the socket is closed or its bundle stops.
     *
     * @throws IllegalStateException if the L2 provider (whose dispatcher runs callbacks) is not running,
     *         or the socket is registered with a {@link expkt.api.packet.PacketSelector}
     * @throws IllegalArgumentException for a bufSize outside 1..65535 or flags other than 0
     * @since 1.1
     */
    void setCallback(SocketCallback<? super RawIpSocket> callback, int bufSize, int flags) throws IOException;

    /** {@code setCallback(callback, 9000, 0)}. @since 1.1 */
    default void setCallback(SocketCallback<? super RawIpSocket> callback) throws IOException {
        setCallback(callback, 9000, 0);
    }

    /**
     * Removes the callback (also done by {@link #close()}); a call in progress is waited for, up to the
     * dispatcher's deadline. Idempotent.
     *
     * @since 1.1
     */
    void removeCallback() throws IOException;

    boolean isOpen();
}
