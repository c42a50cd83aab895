package expkt.api.packet;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Called by the shared dispatcher thread when a socket has frames to read (the seed's
 * {@code set_callback(func)}): the callback reads from the socket itself, typically until
 * {@link PacketSocket#recvfrom} returns -1.
 *
 * <p>Threading: one dispatcher thread calls the callbacks of many sockets; a callback must not
 * block for long. An exception thrown here is logged and counted, and the socket keeps being served.
 */
@ConsumerType
@FunctionalInterface
public interface PacketCallback {
    void onReadable(PacketSocket socket) throws Exception;
}
