package expkt.provider.rx;

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
 *
 * <p>Threading: one reader thread at a time (the socket's lock guarantees it).
 */
public final class RxRing {
    public static final int TP_STATUS_KERNEL = 0;
    public static final int TP_STATUS_USER = 1;
    public static final int TP_STATUS_VLAN_VALID = 1 << 4;
    public static final int TP_STATUS_VLAN_TPID_VALID = 1 << 6;

    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final ValueLayout.OfShort BE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private final MemorySegment ring;
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

    private RxRing(MemorySegment ring, int blockSize, int blockNr, int frameSize) {
        this.ring = ring;
        this.blockSize = blockSize;
        this.blockNr = blockNr;
        this.frameSize = frameSize;
        if (frameSize == 0) {
            frameNr = 0;
            offSec = 4; offNsec = 8; offSnap = 12; offLen = 16; offStatus = 20; offMac = 24; offTci = 32; offTpid = 36; offSll = 48;
        } else {
            frameNr = (int) ((long) blockSize / frameSize * blockNr);
            offStatus = 0; offLen = 4; offSnap = 8; offMac = 12; offSec = 16; offNsec = 20; offTci = 24; offTpid = 26; offSll = 32;
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

    /** True for a TPACKET_V2 ring (a wake-up per frame), false for TPACKET_V3 (a wake-up per block). */
    public boolean perFrame() {
        return frameSize != 0;
    }

    public MemorySegment segment() {
        return ring;
    }

    /**
     * Moves to the next frame if one is ready; returns false (and holds nothing) if the ring is empty.
     * Hands finished blocks (V3) or frame slots (V2) back to the kernel on the way.
     */
    public boolean next() {
        if (frameSize != 0) {
            return nextSlot();
        }
        if (holding) {
            if (left > 0) {
                left--;
                frame += ring.get(ValueLayout.JAVA_INT, frame);
                return true;
            }
            release();
        }
        long base = (long) block * blockSize;
        int status = (int) INT.getAcquire(ring, base + 8);
        if ((status & TP_STATUS_USER) == 0) {
            frame = -1;
            return false;
        }
        int n = ring.get(ValueLayout.JAVA_INT, base + 12);
        holding = true;
        if (n == 0) {
            // an empty block retired by the timeout: give it back and look at the next one
            release();
            return next();
        }
        left = n - 1;
        frame = base + ring.get(ValueLayout.JAVA_INT, base + 16);
        return true;
    }

    private boolean nextSlot() {
        if (holding) {
            release();
        }
        long at = (long) block * frameSize;
        if (((int) INT.getAcquire(ring, at) & TP_STATUS_USER) == 0) {
            frame = -1;
            return false;
        }
        holding = true;
        frame = at;
        return true;
    }

    /** True if the kernel has handed over the block (V3) or slot (V2) the reader looks at next (a frame may be ready). */
    public boolean ready() {
        if (frameSize != 0) {
            int s = holding ? (block + 1) % frameNr : block;
            return ((int) INT.getAcquire(ring, (long) s * frameSize) & TP_STATUS_USER) != 0;
        }
        if (holding && left > 0) {
            return true;
        }
        int b = holding ? (block + 1) % blockNr : block;
        return ((int) INT.getAcquire(ring, (long) b * blockSize + 8) & TP_STATUS_USER) != 0;
    }

    private void release() {
        if (frameSize != 0) {
            INT.setRelease(ring, (long) block * frameSize, TP_STATUS_KERNEL);
            block = (block + 1) % frameNr;
        } else {
            INT.setRelease(ring, (long) block * blockSize + 8, TP_STATUS_KERNEL);
            block = (block + 1) % blockNr;
        }
        holding = false;
        frame = -1;
    }

    /** Offset in {@link #segment()} of the current frame's first byte (its Ethernet header). */
    public long frameOffset() {
        return frame + (ring.get(ValueLayout.JAVA_SHORT, frame + offMac) & 0xFFFF);
    }

    public int snapLength() {
        return ring.get(ValueLayout.JAVA_INT, frame + offSnap);
    }

    public int wireLength() {
        return ring.get(ValueLayout.JAVA_INT, frame + offLen);
    }

    public int status() {
        return ring.get(ValueLayout.JAVA_INT, frame + offStatus);
    }

    public long timestampNanos() {
        long sec = ring.get(ValueLayout.JAVA_INT, frame + offSec) & 0xFFFF_FFFFL;
        long nsec = ring.get(ValueLayout.JAVA_INT, frame + offNsec) & 0xFFFF_FFFFL;
        return sec * 1_000_000_000L + nsec;
    }

    /** The VLAN id the kernel took off the frame, or -1 if it carried no (outer) tag. */
    public int vlanId() {
        return (status() & TP_STATUS_VLAN_VALID) != 0 ? ring.get(ValueLayout.JAVA_SHORT, frame + offTci) & 0xFFF : -1;
    }

    /** The full TCI (priority, DEI, id) of the removed tag; meaningful when {@link #vlanId()} is not -1. */
    public int vlanTci() {
        return ring.get(ValueLayout.JAVA_SHORT, frame + offTci) & 0xFFFF;
    }

    /** The removed tag's TPID (0x8100, 0x88A8), 0x8100 when the kernel did not say. */
    public int vlanTpid() {
        return (status() & TP_STATUS_VLAN_TPID_VALID) != 0 ? ring.get(ValueLayout.JAVA_SHORT, frame + offTpid) & 0xFFFF : 0x8100;
    }

    public int ifIndex() {
        return ring.get(ValueLayout.JAVA_INT, frame + offSll + 4);
    }

    public int packetType() {
        return ring.get(ValueLayout.JAVA_BYTE, frame + offSll + 10) & 0xFF;
    }

    /** sll_protocol: the frame's ethertype (after the removed tag), host order. */
    public int protocol() {
        return ring.get(BE_SHORT, frame + offSll + 2) & 0xFFFF;
    }

    /** Hands every block back (used when the socket's filters are reset). */
    public void releaseAll() {
        if (holding) {
            release();
        }
    }
}
