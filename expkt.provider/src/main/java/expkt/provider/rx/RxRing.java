package expkt.provider.rx;

import expkt.linux.StructLayouts;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * A reader of a TPACKET_V3 (block) or TPACKET_V2 (frame) receive ring, straight from the mapped
 * memory: no system call and no allocation per frame. {@link #next()} moves to the next frame and
 * exposes its header fields; what holds the current frame (its V3 block, its V2 frame slot) is handed
 * back to the kernel when the caller asks for the frame after it, so the current frame stays valid
 * until then.
 *
 * <p>Why two versions: with V3 the kernel wakes a reader once per retired block (full, or after the
 * retire timeout): few wake-ups at high rates, but a frame may wait for the timeout. With V2 it wakes
 * the reader for every frame: the ring of a latency-sensitive socket.
 *
 * <p>Layout (linux/if_packet.h). V3: each block starts with {@code tpacket_block_desc} (block_status
 * at 8, num_pkts at 12, offset_to_first_pkt at 16); each frame with {@code tpacket3_hdr} (next_offset
 * 0, sec 4, nsec 8, snaplen 12, len 16, status 20, mac 24, vlan_tci 32, vlan_tpid 36) followed by a
 * {@code sockaddr_ll} at 48. V2: fixed-size frame slots back to back, each starting with
 * {@code tpacket2_hdr} (status 0, len 4, snaplen 8, mac 12, sec 16, nsec 20, vlan_tci 24, vlan_tpid
 * 26) followed by a {@code sockaddr_ll} at 32. In the {@code sockaddr_ll}: protocol at 2, ifindex 4,
 * pkttype 10. The accessors read through per-version offsets, so they do not branch on the version.
 * The offsets are read from {@link StructLayouts} (per architecture, checked against gcc by its test).
 *
 * <p>Whole frames: the kernel moves a received frame's outer VLAN tag into the frame's header
 * (TP_STATUS_VLAN_VALID); {@link #restoreOuterTag()} puts it back in the frame's bytes, in place, in the
 * headroom that {@link #PACKET_RESERVE} keeps before each frame, and the accessors then describe the
 * whole frame.
 *
 * <p>Threading: one reader thread at a time (the socket's lock guarantees it).
 */
public final class RxRing {
    public static final int TP_STATUS_KERNEL = 0;
    public static final int TP_STATUS_USER = 1;
    public static final int TP_STATUS_VLAN_VALID = 1 << 4;
    public static final int TP_STATUS_VLAN_TPID_VALID = 1 << 6;
    /** linux/if_packet.h: headroom the kernel leaves before each frame's MAC header (set before the ring). */
    public static final int PACKET_RESERVE = 12;
    /**
     * The headroom asked for with {@link #PACKET_RESERVE}: one VLAN tag. The kernel keeps one tag per
     * skb in metadata (the outer one; inner tags stay in the frame), so one tag is all that is put back.
     */
    public static final int TAG_HEADROOM = 4;

    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final ValueLayout.OfShort BE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private static final int BLOCK_STATUS = StructLayouts.offset("struct tpacket_block_desc", "hdr.bh1.block_status");
    private static final int BLOCK_NUM_PKTS = StructLayouts.offset("struct tpacket_block_desc", "hdr.bh1.num_pkts");
    private static final int BLOCK_FIRST = StructLayouts.offset("struct tpacket_block_desc", "hdr.bh1.offset_to_first_pkt");
    private static final int V3_NEXT = StructLayouts.offset("struct tpacket3_hdr", "tp_next_offset");
    private static final int V3_SEC = StructLayouts.offset("struct tpacket3_hdr", "tp_sec");
    private static final int V3_NSEC = StructLayouts.offset("struct tpacket3_hdr", "tp_nsec");
    private static final int V3_SNAPLEN = StructLayouts.offset("struct tpacket3_hdr", "tp_snaplen");
    private static final int V3_LEN = StructLayouts.offset("struct tpacket3_hdr", "tp_len");
    private static final int V3_STATUS = StructLayouts.offset("struct tpacket3_hdr", "tp_status");
    private static final int V3_MAC = StructLayouts.offset("struct tpacket3_hdr", "tp_mac");
    private static final int V3_TCI = StructLayouts.offset("struct tpacket3_hdr", "hv1.tp_vlan_tci");
    private static final int V3_TPID = StructLayouts.offset("struct tpacket3_hdr", "hv1.tp_vlan_tpid");
    private static final int V3_SLL = StructLayouts.value(StructLayouts.TPACKET3_SLL);
    private static final int V2_STATUS = StructLayouts.offset("struct tpacket2_hdr", "tp_status");
    private static final int V2_LEN = StructLayouts.offset("struct tpacket2_hdr", "tp_len");
    private static final int V2_SNAPLEN = StructLayouts.offset("struct tpacket2_hdr", "tp_snaplen");
    private static final int V2_MAC = StructLayouts.offset("struct tpacket2_hdr", "tp_mac");
    private static final int V2_SEC = StructLayouts.offset("struct tpacket2_hdr", "tp_sec");
    private static final int V2_NSEC = StructLayouts.offset("struct tpacket2_hdr", "tp_nsec");
    private static final int V2_TCI = StructLayouts.offset("struct tpacket2_hdr", "tp_vlan_tci");
    private static final int V2_TPID = StructLayouts.offset("struct tpacket2_hdr", "tp_vlan_tpid");
    private static final int V2_SLL = StructLayouts.value(StructLayouts.TPACKET2_SLL);
    private static final int SLL_PROTOCOL = StructLayouts.offset("struct sockaddr_ll", "sll_protocol");
    private static final int SLL_IFINDEX = StructLayouts.offset("struct sockaddr_ll", "sll_ifindex");
    private static final int SLL_PKTTYPE = StructLayouts.offset("struct sockaddr_ll", "sll_pkttype");
    private static final int SOCKADDR_LL_SIZE = StructLayouts.size("struct sockaddr_ll");

    /** The ring's mapping. */
    private final MemorySegment ring;
    private final MemorySegment ringReadOnly;
    /** Where the current frame lies: the ring, or a copy of the backlog while it is read. */
    private MemorySegment mem;
    private MemorySegment memReadOnly;
    /**
     * Copies of blocks (V3) or slots (V2) the keeper drained out of the ring while no revision read it
     * (see {@link #resume(MemorySegment, int, int, int, int, int, long, boolean, java.util.List)}), read
     * before the ring; null once read (or if there were none): the ring's path then costs one null check.
     */
    private MemorySegment[] backlog;
    private MemorySegment[] backlogReadOnly;
    /** The backlog copy being read. */
    private int backlogAt;
    private final int blockSize;
    private final int blockNr;
    /** 0 for a V3 ring; the frame slot size of a V2 ring. */
    private final int frameSize;
    private final int frameNr;
    // header field offsets of the ring's version
    private final int offSec;
    private final int offNsec;
    private final int offSnap;
    private final int offLen;
    private final int offStatus;
    private final int offMac;
    private final int offTci;
    private final int offTpid;
    private final int offSll;

    private int block;          // V3: the block being read; V2: the frame slot being read
    private int left;           // V3: frames left in the block after the current one
    private long frame = -1;    // absolute offset of the current frame's header, -1 if none
    private boolean holding;    // the current block (V3) or slot (V2) is ours (status USER) and not yet handed back
    /** 4 once {@link #restoreOuterTag()} put the current frame's outer tag back in front of it, else 0. */
    private int restored;

    private RxRing(MemorySegment ring, int blockSize, int blockNr, int frameSize) {
        this.ring = ring;
        this.ringReadOnly = ring.asReadOnly();
        this.mem = ring;
        this.memReadOnly = ringReadOnly;
        this.blockSize = blockSize;
        this.blockNr = blockNr;
        this.frameSize = frameSize;
        // the offsets come from expkt.linux's per-architecture table, which its test checks against gcc
        if (frameSize == 0) {
            frameNr = 0;
            offSec = V3_SEC; offNsec = V3_NSEC; offSnap = V3_SNAPLEN; offLen = V3_LEN; offStatus = V3_STATUS; offMac = V3_MAC;
            offTci = V3_TCI; offTpid = V3_TPID; offSll = V3_SLL;
        } else {
            frameNr = (int) ((long) blockSize / frameSize * blockNr);
            offStatus = V2_STATUS; offLen = V2_LEN; offSnap = V2_SNAPLEN; offMac = V2_MAC; offSec = V2_SEC; offNsec = V2_NSEC;
            offTci = V2_TCI; offTpid = V2_TPID; offSll = V2_SLL;
        }
    }

    /** A reader of the TPACKET_V3 ring of {@code blockNr} blocks of {@code blockSize} bytes mapped at {@code ring}. */
    public RxRing(MemorySegment ring, int blockSize, int blockNr) {
        this(ring, blockSize, blockNr, 0);
    }

    /**
     * A reader of a TPACKET_V2 ring: frame slots of {@code frameSize} bytes (a power of two, at most
     * {@code blockSize}, so slot i lies at {@code i * frameSize}).
     */
    public static RxRing v2(MemorySegment ring, int blockSize, int blockNr, int frameSize) {
        if (frameSize <= 0 || Integer.bitCount(frameSize) != 1 || frameSize > blockSize) {
            throw new IllegalArgumentException("TPACKET_V2 frame size " + frameSize + " must be a power of two up to the block size "
                    + blockSize);
        }
        return new RxRing(ring, blockSize, blockNr, frameSize);
    }

    /**
     * A reader of the ring an earlier reader left (a provider update's handover): it goes on where that one
     * stopped ({@link #block()}, {@link #left()}, {@link #frame()}, {@link #holding()}), so no frame is
     * delivered twice and none skipped. {@code frameSize} 0: TPACKET_V3.
     */
    public static RxRing resume(MemorySegment ring, int blockSize, int blockNr, int frameSize, int block, int left, long frame,
                                boolean holding) {
        return resume(ring, blockSize, blockNr, frameSize, block, left, frame, holding, java.util.List.of());
    }

    /**
     * As {@link #resume(MemorySegment, int, int, int, int, int, long, boolean)}, with {@code backlog}: copies
     * of the blocks (V3: whole blocks in the ring's layout, their descriptors saying which frames remain) or
     * frame slots (V2) that were drained out of the ring after the earlier reader stopped
     * ({@code expkt.linux.ParkedRingDrain}), oldest first. They are read first, then the ring from the
     * position given, which is then not "holding".
     */
    public static RxRing resume(MemorySegment ring, int blockSize, int blockNr, int frameSize, int block, int left, long frame,
                                boolean holding, java.util.List<MemorySegment> backlog) {
        if (!backlog.isEmpty()) {
            if (holding) {
                throw new IllegalArgumentException("a ring with a backlog of copies is resumed holding block " + block
                        + ": the copies come before it");
            }
            long unit = frameSize == 0 ? blockSize : frameSize;
            for (MemorySegment c : backlog) {
                if (c.byteSize() <= 0 || c.byteSize() > unit) {
                    throw new IllegalArgumentException("a backlog copy of " + c.byteSize() + " bytes in a ring of " + unit + "-byte "
                            + (frameSize == 0 ? "blocks" : "slots"));
                }
            }
        }
        RxRing r = resumeAt(ring, blockSize, blockNr, frameSize, block, left, frame, holding);
        if (!backlog.isEmpty()) {
            r.backlog = backlog.toArray(MemorySegment[]::new);
            r.backlogReadOnly = new MemorySegment[r.backlog.length];
            for (int i = 0; i < r.backlog.length; i++) {
                r.backlogReadOnly[i] = r.backlog[i].asReadOnly();
            }
            r.backlogAt = -1;
        }
        return r;
    }

    private static RxRing resumeAt(MemorySegment ring, int blockSize, int blockNr, int frameSize, int block, int left, long frame,
                                   boolean holding) {
        RxRing r = frameSize == 0 ? new RxRing(ring, blockSize, blockNr) : v2(ring, blockSize, blockNr, frameSize);
        int limit = frameSize == 0 ? blockNr : r.frameNr;
        if (block < 0 || block >= limit || left < 0 || frame < -1 || frame >= ring.byteSize()) {
            throw new IllegalArgumentException("reader position block " + block + ", left " + left + ", frame " + frame
                    + " is outside the ring (" + limit + " blocks/slots, " + ring.byteSize() + " bytes)");
        }
        r.block = block;
        r.left = left;
        r.frame = frame;
        r.holding = holding;
        return r;
    }

    /**
     * What of the backlog is not read yet, for the next revision when this one parks while still reading
     * it (an update soon after an update): the copies after the current one, and the current one if frames
     * remain in it (its descriptor rewritten to start after the current frame). The reader's position
     * ({@link #block()} ...) is the ring's then, not holding. Call once, when parking: the reader is done.
     */
    public java.util.List<MemorySegment> unreadBacklog() {
        if (backlog == null) {
            return java.util.List.of();
        }
        java.util.List<MemorySegment> rest = new java.util.ArrayList<>();
        int from = Math.max(backlogAt, 0);
        if (backlogAt >= 0 && holding) {
            if (frameSize == 0 && left > 0) {
                MemorySegment c = backlog[backlogAt];
                long next = frame + c.get(ValueLayout.JAVA_INT, frame + V3_NEXT);
                c.set(ValueLayout.JAVA_INT, BLOCK_NUM_PKTS, left);
                c.set(ValueLayout.JAVA_INT, BLOCK_FIRST, (int) next);
                rest.add(c);
            }
            from = backlogAt + 1;
        }
        for (int i = from; i < backlog.length; i++) {
            rest.add(backlog[i]);
        }
        leaveBacklog();
        return rest;
    }

    /** The reader's block (V3) or frame slot (V2): for {@link #resume}. */
    public int block() {
        return block;
    }

    /** V3: frames left in the current block after the current one: for {@link #resume}. */
    public int left() {
        return left;
    }

    /** The current frame's offset, -1 if none: for {@link #resume}. */
    public long frame() {
        return frame;
    }

    /** True while the current block or slot is the reader's (not handed back): for {@link #resume}. */
    public boolean holding() {
        return holding;
    }

    public int blockSize() {
        return blockSize;
    }

    public int blockNr() {
        return blockNr;
    }

    /** The frame slot size of a TPACKET_V2 ring (the longest frame it holds whole, with the kernel's header); 0 for V3. */
    public int frameSize() {
        return frameSize;
    }

    /** True for a TPACKET_V2 ring (a wake-up per frame), false for TPACKET_V3 (a wake-up per block). */
    public boolean perFrame() {
        return frameSize != 0;
    }

    /** The ring's mapping (not a backlog copy: see {@link #frameSegment()}). */
    public MemorySegment segment() {
        return ring;
    }

    /** The memory the current frame lies in ({@link #frameOffset()} is an offset in it): the ring, or a backlog copy. */
    public MemorySegment frameSegment() {
        return mem;
    }

    /** {@link #frameSegment()}, read-only: what views of the frame wrap. */
    public MemorySegment frameSegmentReadOnly() {
        return memReadOnly;
    }

    /** True while frames are read from the backlog, before the ring. */
    public boolean readingBacklog() {
        return backlog != null;
    }

    /**
     * Moves to the next frame if one is ready; returns false (and holds nothing) if the ring is empty.
     * Hands finished blocks (V3) or frame slots (V2) back to the kernel on the way.
     */
    public boolean next() {
        restored = 0;
        if (backlog != null && nextInBacklog()) {
            return true;
        }
        if (frameSize != 0) {
            return nextSlot();
        }
        if (holding) {
            if (left > 0) {
                left--;
                frame += ring.get(ValueLayout.JAVA_INT, frame + V3_NEXT);
                return true;
            }
            release();
        }
        long base = (long) block * blockSize;
        int status = (int) INT.getAcquire(ring, base + BLOCK_STATUS);
        if ((status & TP_STATUS_USER) == 0) {
            frame = -1;
            return false;
        }
        int n = ring.get(ValueLayout.JAVA_INT, base + BLOCK_NUM_PKTS);
        holding = true;
        if (n == 0) {
            // an empty block retired by the timeout: give it back and look at the next one
            release();
            return next();
        }
        left = n - 1;
        frame = base + ring.get(ValueLayout.JAVA_INT, base + BLOCK_FIRST);
        return true;
    }

    /** The next frame of the backlog; false (and the ring's memory back in place) once it is all read. */
    private boolean nextInBacklog() {
        if (holding) {
            if (frameSize == 0 && left > 0) {
                left--;
                frame += mem.get(ValueLayout.JAVA_INT, frame + V3_NEXT);
                return true;
            }
            holding = false;
        }
        while (++backlogAt < backlog.length) {
            MemorySegment c = backlog[backlogAt];
            int n = frameSize == 0 ? c.get(ValueLayout.JAVA_INT, BLOCK_NUM_PKTS) : 1;
            if (n == 0) {
                continue;
            }
            mem = c;
            memReadOnly = backlogReadOnly[backlogAt];
            holding = true;
            left = n - 1;
            frame = frameSize == 0 ? c.get(ValueLayout.JAVA_INT, BLOCK_FIRST) : 0;
            return true;
        }
        leaveBacklog();
        return false;
    }

    /** Drops the backlog (the copies are freed once unreachable) and reads the ring from its position on. */
    private void leaveBacklog() {
        backlog = null;
        backlogReadOnly = null;
        mem = ring;
        memReadOnly = ringReadOnly;
        holding = false;
        left = 0;
        frame = -1;
    }

    private boolean nextSlot() {
        if (holding) {
            release();
        }
        long at = (long) block * frameSize;
        if (((int) INT.getAcquire(ring, at + V2_STATUS) & TP_STATUS_USER) == 0) {
            frame = -1;
            return false;
        }
        holding = true;
        frame = at;
        return true;
    }

    /** True if the kernel has handed over the block (V3) or slot (V2) the reader looks at next (a frame may be ready). */
    public boolean ready() {
        if (backlog != null) {
            return true;
        }
        if (frameSize != 0) {
            int s = holding ? (block + 1) % frameNr : block;
            return ((int) INT.getAcquire(ring, (long) s * frameSize + V2_STATUS) & TP_STATUS_USER) != 0;
        }
        if (holding && left > 0) {
            return true;
        }
        int b = holding ? (block + 1) % blockNr : block;
        return ((int) INT.getAcquire(ring, (long) b * blockSize + BLOCK_STATUS) & TP_STATUS_USER) != 0;
    }

    private void release() {
        if (frameSize != 0) {
            INT.setRelease(ring, (long) block * frameSize + V2_STATUS, TP_STATUS_KERNEL);
            block = (block + 1) % frameNr;
        } else {
            INT.setRelease(ring, (long) block * blockSize + BLOCK_STATUS, TP_STATUS_KERNEL);
            block = (block + 1) % blockNr;
        }
        holding = false;
        frame = -1;
    }

    /**
     * Offset in {@link #frameSegment()} of the current frame's first byte (its Ethernet header; after
     * {@link #restoreOuterTag()}, the tag's 4 bytes earlier than the kernel wrote it).
     */
    public long frameOffset() {
        return frame + (mem.get(ValueLayout.JAVA_SHORT, frame + offMac) & 0xFFFF) - restored;
    }

    /** Bytes of the current frame in the ring (with its restored outer tag). */
    public int snapLength() {
        return mem.get(ValueLayout.JAVA_INT, frame + offSnap) + restored;
    }

    /** Length of the current frame on the wire (with its outer tag, restored or not). */
    public int wireLength() {
        return mem.get(ValueLayout.JAVA_INT, frame + offLen) + ((status() & TP_STATUS_VLAN_VALID) != 0 ? 4 : 0);
    }

    /**
     * Puts the current frame's outer VLAN tag, which the kernel moved into the frame's header
     * (TP_STATUS_VLAN_VALID), back where it was on the wire, in place (libpcap's technique): the 12 MAC
     * bytes move 4 bytes towards the header, into the headroom {@link #PACKET_RESERVE} keeps free, and
     * TPID (tp_vlan_tpid when TP_STATUS_VLAN_TPID_VALID, else 0x8100) and TCI are written behind them.
     * No-op for a frame without such a tag or already restored. No allocation; reader thread.
     *
     * @throws IllegalStateException if the frame has no headroom for the tag (a ring made without
     *         {@link #PACKET_RESERVE}: the header's end would be overwritten)
     */
    public void restoreOuterTag() {
        if (restored != 0 || (status() & TP_STATUS_VLAN_VALID) == 0) {
            return;
        }
        long mac = frame + (mem.get(ValueLayout.JAVA_SHORT, frame + offMac) & 0xFFFF);
        int snap = mem.get(ValueLayout.JAVA_INT, frame + offSnap);
        if (snap < 12) {
            return; // not even the MACs: nothing to put a tag behind (and no such Ethernet frame)
        }
        if (mac - TAG_HEADROOM < frame + offSll + SOCKADDR_LL_SIZE) {
            throw new IllegalStateException("a tagged frame has " + (mac - frame - offSll - SOCKADDR_LL_SIZE)
                    + " bytes before it in the ring, the outer VLAN tag needs " + TAG_HEADROOM + ": the ring was made without"
                    + " PACKET_RESERVE " + TAG_HEADROOM);
        }
        MemorySegment.copy(mem, mac, mem, mac - TAG_HEADROOM, 12);
        mem.set(BE_SHORT, mac + 8, (short) vlanTpid());
        mem.set(BE_SHORT, mac + 10, (short) vlanTci());
        restored = TAG_HEADROOM;
    }

    public int status() {
        return mem.get(ValueLayout.JAVA_INT, frame + offStatus);
    }

    public long timestampNanos() {
        long sec = mem.get(ValueLayout.JAVA_INT, frame + offSec) & 0xFFFF_FFFFL;
        long nsec = mem.get(ValueLayout.JAVA_INT, frame + offNsec) & 0xFFFF_FFFFL;
        return sec * 1_000_000_000L + nsec;
    }

    /** The VLAN id the kernel took off the frame, or -1 if it carried no (outer) tag. */
    public int vlanId() {
        return (status() & TP_STATUS_VLAN_VALID) != 0 ? mem.get(ValueLayout.JAVA_SHORT, frame + offTci) & 0xFFF : -1;
    }

    /** The full TCI (priority, DEI, id) of the removed tag; meaningful when {@link #vlanId()} is not -1. */
    public int vlanTci() {
        return mem.get(ValueLayout.JAVA_SHORT, frame + offTci) & 0xFFFF;
    }

    /** The removed tag's TPID (0x8100, 0x88A8), 0x8100 when the kernel did not say. */
    public int vlanTpid() {
        return (status() & TP_STATUS_VLAN_TPID_VALID) != 0 ? mem.get(ValueLayout.JAVA_SHORT, frame + offTpid) & 0xFFFF : 0x8100;
    }

    public int ifIndex() {
        return mem.get(ValueLayout.JAVA_INT, frame + offSll + SLL_IFINDEX);
    }

    public int packetType() {
        return mem.get(ValueLayout.JAVA_BYTE, frame + offSll + SLL_PKTTYPE) & 0xFF;
    }

    /** sll_protocol: the frame's ethertype after its outer tag (for QinQ the inner tag's TPID), host order. */
    public int protocol() {
        return mem.get(BE_SHORT, frame + offSll + SLL_PROTOCOL) & 0xFFFF;
    }

    /** Hands every block back and drops the backlog (used when the socket's filters are reset). */
    public void releaseAll() {
        if (backlog != null) {
            leaveBacklog();
        }
        if (holding) {
            release();
        }
    }
}
