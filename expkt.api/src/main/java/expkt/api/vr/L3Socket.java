package expkt.api.vr;

import org.osgi.annotation.versioning.ProviderType;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.NetworkChannel;

/**
 * An expkt L3 socket: a standard JDK channel ({@code DatagramChannel}, {@code SocketChannel},
 * {@code ServerSocketChannel}) made inside a virtual router, plus the seed's VR controls.
 *
 * <p>Use the channel for everything else (bind, connect, send, receive, selectors, virtual threads):
 * it is an ordinary JDK channel whose kernel socket lives in the VR. {@link #setVr(String)} on a
 * socket not yet bound or connected closes the channel and makes a new one in the other VR, so fetch
 * {@link #channel()} again after it (and register the new one with any selector).
 *
 * <p>{@link #getsockopt}/{@link #setsockopt} handle {@code SOL_SOCKET}/{@code SO_VRID} only; every
 * other option goes through {@code channel().setOption(...)} (an {@link UnsupportedOperationException}
 * names the option otherwise).
 *
 * <p>Threading: safe to use from several threads; {@link #setVr} must not race with use of the channel.
 *
 * @param <C> the JDK channel type
 */
@ProviderType
public interface L3Socket<C extends NetworkChannel> extends VrScoped, Closeable {

    /** The current channel (a new one after a VR change). */
    C channel();

    /**
     * The seed's {@code set_callback(func)}: the shared dispatcher thread calls {@code callback}
     * whenever the channel has input (a datagram, stream data or end of stream; a connection to accept
     * on a listening socket). Replaces a previous callback. The channel is switched to non-blocking mode
     * while a callback is set, so a read inside the callback never blocks: {@code receive} returns
     * null, {@code read} 0, {@code accept} null when nothing waits. Read until then, or the callback is
     * called again (after a back-off if it read nothing). The callback is removed when the socket is
     * closed or its bundle stops. While a callback is set the VR cannot change ({@link #setVr} gives an
     * {@link IllegalStateException}: remove the callback first).
     *
     * @throws IllegalStateException if the L2 provider (whose dispatcher runs callbacks) is not running,
     *         or the socket is registered with a {@link expkt.api.packet.PacketSelector}
     * @since 1.1
     */
    void setCallback(SocketCallback<? super L3Socket<C>> callback) throws IOException;

    /**
     * Removes the callback (also done by {@link #close()}); a call in progress is waited for, up to the
     * dispatcher's deadline. The channel stays non-blocking. Idempotent.
     *
     * @since 1.1
     */
    void removeCallback() throws IOException;

    boolean isOpen();
}
