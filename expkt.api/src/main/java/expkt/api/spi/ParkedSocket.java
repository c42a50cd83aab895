package expkt.api.spi;

import expkt.api.packet.RxMode;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * The kernel part of one socket an engine revision stopping for an update leaves for the next one
 * ({@link EngineHandover#parkSocket}, {@link EngineSession#adopt}): its receive fd (bound in the punt
 * namespace, its BPF program attached, so frames go on queueing in its ring while no revision reads),
 * the ring's mapping and geometry, and where the reader was in it. Plain values only (java.* and
 * {@code expkt.api} types): the old revision's class loader must be collectable.
 *
 * @param parkedBy  the revision that parked it
 * @param fd        the receive fd (the owner of this record closes it)
 * @param fdInode   the socket's inode ({@code /proc/self/fd/<fd>}): another inode there means the fd was closed and reused
 * @param ringArena the arena the ring is mapped in (closing it unmaps the ring)
 * @param ring      the ring's mapping
 * @param mode      the socket's receive mode (THROUGHPUT: a TPACKET_V3 ring; LATENCY: TPACKET_V2)
 * @param blockSize the ring's block size
 * @param blockNr   its number of blocks
 * @param frameSize the V2 frame slot size, 0 for V3
 * @param block     the reader's block (V3) or slot (V2)
 * @param left      V3: frames left in the block after the current one
 * @param frame     the current frame's offset, -1 if none
 * @param holding   the reader holds the current block or slot (not handed back to the kernel yet)
 */
public record ParkedSocket(String parkedBy, int fd, long fdInode, Arena ringArena, MemorySegment ring, RxMode mode, int blockSize,
                           int blockNr, int frameSize, int block, int left, long frame, boolean holding) {
    public ParkedSocket {
        Objects.requireNonNull(parkedBy, "parkedBy");
        Objects.requireNonNull(ringArena, "ringArena");
        Objects.requireNonNull(ring, "ring");
        Objects.requireNonNull(mode, "mode");
    }

    @Override
    public String toString() {
        return "socket kernel part of " + parkedBy + ": fd " + fd + ", " + mode + " ring " + blockNr + "x" + blockSize;
    }
}
