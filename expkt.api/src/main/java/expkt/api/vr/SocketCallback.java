package expkt.api.vr;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * The seed's {@code set_callback(func)} for L3 and raw IP sockets: "When data is received on the
 * socket, the callback is called. Typically, the callback would then receive on the socket and do
 * something with the packet". Called by the L2 provider's shared dispatcher thread, the one that runs
 * L2 socket callbacks ("a shared thread is used to block on many sockets").
 *
 * <p>Threading: one shared dispatcher thread calls the callbacks of many sockets, one call at a time
 * per socket; a callback must not block for long. A read inside the call never blocks (see
 * {@link L3Socket#setCallback} and {@link RawIpSocket#setCallback}). An exception thrown here is
 * logged and counted, and the socket keeps being served; a callback that leaves its data unread is
 * backed off (called again after a pause), and a slow one is moved to a thread of its own.
 *
 * @param <S> the socket type handed back
 * @since 1.1
 */
@ConsumerType
@FunctionalInterface
public interface SocketCallback<S> {
    void onReadable(S socket) throws Exception;
}
