package expkt.keeper.internal;

import expkt.api.spi.VrSession;

/**
 * What {@link KeptVrSockets} and {@code expkt:keeper} need of a socket kept across updates of
 * {@code expkt.vr}: a {@link KeptRawIpSocket} or a {@link KeptL3Socket}.
 *
 * <p>Threading: {@link #detach} and {@link #replayOn} under the VR tracker's swap lock.
 */
interface KeptVrSocket {
    enum Replay { ADOPTED, FAILED, CLOSED }

    /** The engine is going: parks the kernel socket with {@code old}; true if parked. */
    boolean detach(VrSession old);

    /** Adopts what was parked on {@code session} and sets the record up on it again. */
    Replay replayOn(VrSession session, String revision);

    /** No session on the new engine: every later call fails naming {@code revision} and {@code cause}. */
    void failed(String revision, Exception cause);

    /** The owner's service was released: closes the engine socket, or what is parked. */
    void released();

    boolean isOpen();

    /** Why it could not be restored, or null. */
    String failureText();

    String servedBy();

    int replays();

    int adoptions();

    String ownerName();

    /** {@code raw} or {@code udp}/{@code tcp}/{@code tcp-listen}. */
    String kind();
}
