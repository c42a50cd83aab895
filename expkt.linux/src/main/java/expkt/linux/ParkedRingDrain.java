package expkt.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * Empties a TPACKET receive ring that nobody reads for a while (a socket parked across a provider update)
 * into copies, so the kernel can go on filling it: each block (TPACKET_V3) or frame slot (TPACKET_V2) the
 * kernel has handed to user space is copied (a V3 block as far as the kernel wrote it), in ring order, into memory of its own, and handed back
 * to the kernel. The copies keep the ring's layout (a V3 block with its descriptor and frame headers, a V2
 * slot with its header), so the reader that adopts the socket reads them with the same code as the ring,
 * first, and then goes on in the ring where this drain stopped: no frame is lost while the copies fit the
 * budget, none is read twice, and the order is the kernel's.
 *
 * <p>The reader's position when it parked ({@link #block()}, {@link #left()}, {@link #frame()},
 * {@link #holding()}, as {@code RxRing} reports it) is where the drain starts. A block the reader still
 * held is copied with only the frames it had not read yet (its copy's descriptor rewritten: {@code
 * num_pkts} and {@code offset_to_first_pkt}), and handed back; a V2 slot the reader held was read, and is
 * only handed back. After a drain the position is always "not holding": every copy comes before it.
 *
 * <p>The copies are allocated in an automatic arena: they are freed when the adopting reader has dropped
 * them, whichever thread that is.
 *
 * <p>Threading: not thread-safe; one drainer at a time, and nobody else reads the ring meanwhile (the
 * caller's lock). The ring's status words are read with acquire and written with release semantics, as
 * the kernel's other reader does.
 */
public final class ParkedRingDrain {
    private static final int TP_STATUS_USER = 1;
    private static final int TP_STATUS_KERNEL = 0;
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final int BLOCK_STATUS = StructLayouts.offset("struct tpacket_block_desc", "hdr.bh1.block_status");
    private static final int BLOCK_NUM_PKTS = StructLayouts.offset("struct tpacket_block_desc", "hdr.bh1.num_pkts");
    private static final int BLOCK_FIRST = StructLayouts.offset("struct tpacket_block_desc", "hdr.bh1.offset_to_first_pkt");
    private static final int BLOCK_LEN = StructLayouts.offset("struct tpacket_block_desc", "hdr.bh1.blk_len");
    private static final int V3_NEXT = StructLayouts.offset("struct tpacket3_hdr", "tp_next_offset");
    private static final int V2_STATUS = StructLayouts.offset("struct tpacket2_hdr", "tp_status");
    /** The copies' alignment: a page, as the ring's own blocks. */
    private static final long ALIGN = 4096;

    private final MemorySegment ring;
    private final int blockSize;
    private final int blockNr;
    private final int frameSize;
    private final int slots;
    private final Arena copies = Arena.ofAuto();
    private final List<MemorySegment> backlog;
    private int block;
    private int left;
    private long frame;
    private boolean holding;
    private long copiedBytes;
    private long copiedFrames;
    private boolean budgetReached;
    private long backlogBytes;

    /**
     * @param ring      the ring's mapping
     * @param blockSize its block size
     * @param blockNr   its number of blocks
     * @param frameSize the V2 frame slot size, 0 for a V3 ring
     * @param block     the reader's block (V3) or slot (V2)
     * @param left      V3: frames left in the block after the current one
     * @param frame     the current frame's offset in the ring, -1 if none
     * @param holding   the reader holds the block or slot (not handed back)
     * @param backlog   copies an earlier drain made that nobody has read yet (they stay first), or an empty list
     */
    public ParkedRingDrain(MemorySegment ring, int blockSize, int blockNr, int frameSize, int block, int left, long frame,
                           boolean holding, List<MemorySegment> backlog) {
        if (frameSize < 0 || (frameSize > 0 && (Integer.bitCount(frameSize) != 1 || frameSize > blockSize))) {
            throw new IllegalArgumentException("TPACKET_V2 frame size " + frameSize + " must be a power of two up to the block size " + blockSize);
        }
        this.ring = ring;
        this.blockSize = blockSize;
        this.blockNr = blockNr;
        this.frameSize = frameSize;
        this.slots = frameSize == 0 ? blockNr : (int) ((long) blockSize / frameSize * blockNr);
        if (block < 0 || block >= slots || left < 0 || frame < -1 || frame >= ring.byteSize()) {
            throw new IllegalArgumentException("reader position block " + block + ", left " + left + ", frame " + frame
                    + " is outside the ring (" + slots + " blocks/slots, " + ring.byteSize() + " bytes)");
        }
        this.block = block;
        this.left = left;
        this.frame = frame;
        this.holding = holding;
        this.backlog = new ArrayList<>(backlog);
        for (MemorySegment c : backlog) {
            backlogBytes += c.byteSize();
        }
    }

    /**
     * Copies every block or slot the kernel has handed over since the last call, as long as the copies of
     * this call stay within {@code budgetBytes}, and hands each back to the kernel.
     *
     * @return the bytes copied by this call (0: nothing was ready, or the next copy did not fit the budget)
     */
    public long drain(long budgetBytes) {
        long copied = 0;
        int unit = frameSize == 0 ? blockSize : frameSize;
        budgetReached = false;
        if (holding) {
            if (frameSize == 0 && left > 0) {
                if (unit > budgetBytes) {
                    budgetReached = true;
                    return 0;
                }
                long base = (long) block * blockSize;
                long next = frame + ring.get(ValueLayout.JAVA_INT, frame + V3_NEXT);
                MemorySegment c = copy(base, usedBytes(base));
                c.set(ValueLayout.JAVA_INT, BLOCK_NUM_PKTS, left);
                c.set(ValueLayout.JAVA_INT, BLOCK_FIRST, (int) (next - base));
                copiedFrames += left;
                copied += unit;
            }
            release();
        }
        for (int i = 0; i < slots; i++) {
            long at = (long) block * unit;
            int status = (int) INT.getAcquire(ring, at + (frameSize == 0 ? BLOCK_STATUS : V2_STATUS));
            if ((status & TP_STATUS_USER) == 0) {
                break;
            }
            int n = frameSize == 0 ? ring.get(ValueLayout.JAVA_INT, at + BLOCK_NUM_PKTS) : 1;
            int size = frameSize == 0 ? usedBytes(at) : unit;
            if (n > 0 && copied + size > budgetBytes) {
                budgetReached = true; // ready, but no room for its copy: it stays in the ring
                break;
            }
            if (n > 0) {
                copy(at, size);
                copiedFrames += n;
                copied += size;
            }
            holding = true;
            release();
        }
        copiedBytes += copied;
        return copied;
    }

    /**
     * The bytes of the V3 block at {@code base} the kernel wrote (descriptor and frames: {@code blk_len}),
     * what its copy needs: at low rates the retire timer closes blocks holding a frame or two, and a copy of
     * the whole block would cost the budget a block per frame.
     */
    private int usedBytes(long base) {
        int len = ring.get(ValueLayout.JAVA_INT, base + BLOCK_LEN);
        return len <= 0 || len > blockSize ? blockSize : len;
    }

    private MemorySegment copy(long at, int size) {
        MemorySegment c = copies.allocate(size, ALIGN);
        MemorySegment.copy(ring, at, c, 0, size);
        backlog.add(c);
        backlogBytes += size;
        return c;
    }

    private void release() {
        long at = (long) block * (frameSize == 0 ? blockSize : frameSize);
        INT.setRelease(ring, at + (frameSize == 0 ? BLOCK_STATUS : V2_STATUS), TP_STATUS_KERNEL);
        block = (block + 1) % slots;
        holding = false;
        left = 0;
        frame = -1;
    }

    /** The copies, oldest first (each a V3 block or a V2 slot with status "user"), to be read before the ring. */
    public List<MemorySegment> backlog() {
        return List.copyOf(backlog);
    }

    /** Where the reader goes on in the ring after the copies. */
    public int block() {
        return block;
    }

    public int left() {
        return left;
    }

    public long frame() {
        return frame;
    }

    public boolean holding() {
        return holding;
    }

    /** Bytes of the copies not read yet, the earlier drains' included: what this socket's backlog holds now. */
    public long backlogBytes() {
        return backlogBytes;
    }

    /** True if the last {@link #drain} left a ready block or slot in the ring for want of budget. */
    public boolean budgetReached() {
        return budgetReached;
    }

    /** The drain's position and the ring's status words (block or slot order), for a failure message. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("drain at ").append(frameSize == 0 ? "block " : "slot ").append(block)
                .append(holding ? " (held, " + left + " frames left)" : "").append(", ").append(backlog.size()).append(" copies; ring status");
        for (int i = 0; i < slots; i++) {
            long at = (long) i * (frameSize == 0 ? blockSize : frameSize);
            b.append(' ').append((int) INT.getAcquire(ring, at + (frameSize == 0 ? BLOCK_STATUS : V2_STATUS)));
            if (frameSize == 0) {
                b.append('/').append(ring.get(ValueLayout.JAVA_INT, at + BLOCK_NUM_PKTS));
            }
        }
        return b.toString();
    }

    /** Bytes copied so far by this drain. */
    public long copiedBytes() {
        return copiedBytes;
    }

    /** Frames copied so far. */
    public long copiedFrames() {
        return copiedFrames;
    }
}
