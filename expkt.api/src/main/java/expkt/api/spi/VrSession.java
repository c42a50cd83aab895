package expkt.api.spi;

import expkt.api.vr.RawIpSocket;
import expkt.api.vr.VrSockets;
import org.osgi.annotation.versioning.ProviderType;

import java.io.IOException;

/**
 * One owner's {@link VrSockets} on one {@link VrEngine} revision: what it opens is the owner's (listed
 * in {@code expkt:vr} and the runtime DTOs) and is closed by {@link #release()}.
 *
 * <p>Threading: thread-safe.
 */
@ProviderType
public interface VrSession extends VrSockets {
    /**
     * Takes the kernel socket out of {@code socket} (a raw socket this session opened) without closing
     * it: the socket is closed for its users from now on (their calls throw {@code ClosedChannelException}),
     * its callback is removed, its selector watchers are forgotten without being told (the fd stays what
     * they watch), and the descriptor is left open for {@link #adopt} on the next revision. Null if the
     * socket is not this session's or already closed.
     */
    ParkedRawSocket park(RawIpSocket socket);

    /**
     * A raw socket of the owner around a descriptor a previous revision parked: same kernel socket (what
     * queued in it meanwhile is received first), same VR, header-included and bound state. Its receive
     * timeout and callback are the caller's to set again. Throws when the descriptor is no longer that
     * socket (closed underneath): the caller closes nothing then, the socket is gone.
     */
    RawIpSocket adopt(ParkedRawSocket parked) throws IOException;

    /**
     * Takes every plain channel the owner opened through this session ({@code openDatagramChannel},
     * {@code openSocketChannel}, {@code openServerSocketChannel}) out of it without closing it, for
     * {@link #adoptChannel} on the next revision; {@link #release()} does not close them then.
     */
    java.util.List<ParkedChannel> parkChannels();

    /** Records a channel a previous revision parked as the owner's (listed, and closed by {@link #release()}). */
    void adoptChannel(ParkedChannel parked);

    /**
     * Takes the channel out of {@code socket} (an L3 socket this session opened) without closing it: the
     * socket is closed for its users from now on (its VR change, callback and selector calls throw
     * {@code ClosedChannelException}), its callback is removed, its selector watchers are forgotten without
     * being told. Null if the socket is not this session's or already closed.
     */
    ParkedChannel parkL3(expkt.api.vr.L3Socket<?> socket);

    /** An L3 socket of the owner around the channel a previous revision parked; its callback and watchers are the caller's to set again. */
    expkt.api.vr.L3Socket<?> adoptL3(ParkedChannel parked) throws IOException;

    /**
     * Takes the listening channels and the selector out of {@code socket} (an {@code ALL} server socket this
     * session opened) without closing them: the socket is closed for its users from now on (a pending
     * {@code accept} is woken and, like a later {@code accept} or {@code bind}, throws
     * {@code ClosedChannelException}). What connects meanwhile queues in the channels' backlogs. Null if the
     * socket is not this session's or already closed. (1.7.0)
     */
    ParkedAllVrServerSocket parkAll(expkt.api.vr.AllVrServerSocket socket);

    /**
     * An {@code ALL} server socket of the owner around what a previous revision parked ({@link #parkAll}): the
     * same channels and selector, each channel serving the VR it served (carried as a value: an {@code ALL}
     * socket serves the VRs it was made with, whatever changed since). Throws when a channel or the selector is
     * no longer open; the caller then closes what is left. (1.7.0)
     */
    expkt.api.vr.AllVrServerSocket adoptAll(ParkedAllVrServerSocket parked) throws IOException;

    /** Closes every socket the owner opened through this session and has not parked; returns how many were open. */
    int release();
}
