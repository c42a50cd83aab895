package expkt.api.vr;

import org.osgi.annotation.versioning.ProviderType;

import java.io.Closeable;
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

    boolean isOpen();
}
