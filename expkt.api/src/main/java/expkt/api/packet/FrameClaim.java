package expkt.api.packet;

import org.osgi.annotation.versioning.ProviderType;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A frame built in place in a port's transmit ring (Agrona's {@code tryClaim}): the application
 * writes the frame straight into the memory the kernel sends from, so nothing is copied between the
 * frame's last write and the wire. Got from {@link PacketSocket#tryClaim}; then {@link #buffer()},
 * write the whole Ethernet frame (from the destination MAC, no FCS; a VLAN tag is the writer's to
 * put in), {@link #commit(int)} its length (or {@link #abort()}), and {@link PacketSocket#flush()} —
 * once per batch — to hand the committed frames to the kernel.
 *
 * <p>Threading: the thread that claimed it, until {@code commit} or {@code abort}; the object is reused
 * by the next claim of the same port on the same socket (a claim allocates nothing), so keep no
 * reference to it or its buffer after committing.
 *
 * @since 1.5
 */
@ProviderType
public interface FrameClaim {
    /**
     * The claimed slot: position 0, limit and capacity the longest frame the slot holds (at least the
     * port's MTU + 18 bytes). Its contents are what an earlier frame left: write every byte you commit.
     */
    ByteBuffer buffer();

    /**
     * Queues the first {@code length} bytes of {@link #buffer()} as one frame out of the claimed port
     * (sent on the next {@link PacketSocket#flush()}). Checked as {@code sendto} checks a frame: at
     * least 14 bytes, within the port's MTU (+4 for an 802.1Q-tagged frame).
     *
     * @throws IllegalArgumentException if the length is refused; the claim is then still open
     * @throws IllegalStateException if the claim was committed or aborted already
     */
    void commit(int length) throws IOException;

    /**
     * Gives the slot back unsent.
     *
     * @throws IllegalStateException if the claim was committed or aborted already
     */
    void abort();
}
