package expkt.api.spi;

import expkt.api.packet.RxMode;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
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
 * @param backlog   copies of what the kernel put in the ring while the socket was parked, oldest first, to be
 *                  read before the ring (from the reader's position above on): each a TPACKET_V3 block as
 *                  far as the kernel wrote it (its descriptor says which frames are still to be read) or a TPACKET_V2 frame slot,
 *                  in the ring's layout, status "user"; made by the keeper so that a swap longer than
 *                  the ring holds loses no frame (see {@code expkt.linux.ParkedRingDrain}). Empty if
 *                  nothing was copied; then the position may be "holding". With copies it is not.
 * @since 1.8.0 (backlog)
 */
public record ParkedSocket(String parkedBy, int fd, long fdInode, Arena ringArena, MemorySegment ring, RxMode mode, int blockSize,
                           int blockNr, int frameSize, int block, int left, long frame, boolean holding,
                           List<MemorySegment> backlog) {
    public ParkedSocket {
        Objects.requireNonNull(parkedBy, "parkedBy");
        Objects.requireNonNull(ringArena, "ringArena");
        Objects.requireNonNull(ring, "ring");
        Objects.requireNonNull(mode, "mode");
        backlog = List.copyOf(backlog);
        if (!backlog.isEmpty() && holding) {
            throw new IllegalArgumentException("a parked ring with a backlog of copies is not held by its reader: the copies come first");
        }
    }

    /** A parked socket with no backlog (what a stopping revision parks). */
    public ParkedSocket(String parkedBy, int fd, long fdInode, Arena ringArena, MemorySegment ring, RxMode mode, int blockSize,
                        int blockNr, int frameSize, int block, int left, long frame, boolean holding) {
        this(parkedBy, fd, fdInode, ringArena, ring, mode, blockSize, blockNr, frameSize, block, left, frame, holding, List.of());
    }

    /** This part with the reader's position moved on past {@code backlog} (the keeper's drain). */
    public ParkedSocket withBacklog(List<MemorySegment> backlog, int block, int left, long frame, boolean holding) {
        return new ParkedSocket(parkedBy, fd, fdInode, ringArena, ring, mode, blockSize, blockNr, frameSize, block, left, frame, holding,
                backlog);
    }

    /** Bytes of the backlog's copies. */
    public long backlogBytes() {
        long n = 0;
        for (MemorySegment c : backlog) {
            n += c.byteSize();
        }
        return n;
    }

    @Override
    public String toString() {
        return "socket kernel part of " + parkedBy + ": fd " + fd + ", " + mode + " ring " + blockNr + "x" + blockSize
                + (backlog.isEmpty() ? "" : ", " + backlog.size() + " cop" + (backlog.size() == 1 ? "y" : "ies") + " (" + backlogBytes() + " bytes) drained from it");
    }
}
