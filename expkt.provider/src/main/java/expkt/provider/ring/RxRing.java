package expkt.provider.ring;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * A reader of a TPACKET_V3 receive ring, straight from the mapped memory: no system call and no
 * allocation per frame. {@link #next()} moves to the next frame and exposes its header fields; a
 * block is handed back to the kernel when its last frame has been passed, i.e. when the caller asks
 * for the frame after it, so the current frame stays valid until then.
 *
 * <p>Layout (linux/if_packet.h): each block starts with {@code tpacket_block_desc} (block_status at
 * 8, num_pkts at 12, offset_to_first_pkt at 16); each frame with {@code tpacket3_hdr} (next_offset 0,
 * sec 4, nsec 8, snaplen 12, len 16, status 20, mac 24, vlan_tci 32, vlan_tpid 36) followed by a
 * {@code sockaddr_ll} at 48 (protocol 50, ifindex 52, pkttype 58).
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
    private static final int SLL = 48;

    private final MemorySegment ring;
    private final int blockSize;
    private final int blockNr;

    private int block;          // the block being read
    private int left;           // frames left in it after the current one
    private long frame = -1;    // absolute offset of the current frame's tpacket3_hdr, -1 if none
    private boolean holding;    // the current block is ours (status USER) and not yet handed back

    public RxRing(MemorySegment ring, int blockSize, int blockNr) {
        this.ring = ring;
        this.blockSize = blockSize;
        this.blockNr = blockNr;
    }

    public MemorySegment segment() {
        return ring;
    }

    /**
     * Moves to the next frame if one is ready; returns false (and holds nothing) if the ring is empty.
     * Hands finished blocks back to the kernel on the way.
     */
    public boolean next() {
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

    /** True if the kernel has handed over the block the reader looks at next (a frame may be ready). */
    public boolean ready() {
        if (holding && left > 0) {
            return true;
        }
        int b = holding ? (block + 1) % blockNr : block;
        return ((int) INT.getAcquire(ring, (long) b * blockSize + 8) & TP_STATUS_USER) != 0;
    }

    private void release() {
        INT.setRelease(ring, (long) block * blockSize + 8, TP_STATUS_KERNEL);
        holding = false;
        frame = -1;
        block = (block + 1) % blockNr;
    }

    /** Offset in {@link #segment()} of the current frame's first byte (its Ethernet header). */
    public long frameOffset() {
        return frame + (ring.get(ValueLayout.JAVA_SHORT, frame + 24) & 0xFFFF);
    }

    public int snapLength() {
        return ring.get(ValueLayout.JAVA_INT, frame + 12);
    }

    public int wireLength() {
        return ring.get(ValueLayout.JAVA_INT, frame + 16);
    }

    public int status() {
        return ring.get(ValueLayout.JAVA_INT, frame + 20);
    }

    public long timestampNanos() {
        long sec = ring.get(ValueLayout.JAVA_INT, frame + 4) & 0xFFFF_FFFFL;
        long nsec = ring.get(ValueLayout.JAVA_INT, frame + 8) & 0xFFFF_FFFFL;
        return sec * 1_000_000_000L + nsec;
    }

    /** The VLAN id the kernel took off the frame, or -1 if it carried no (outer) tag. */
    public int vlanId() {
        return (status() & TP_STATUS_VLAN_VALID) != 0 ? ring.get(ValueLayout.JAVA_INT, frame + 32) & 0xFFF : -1;
    }

    /** The full TCI (priority, DEI, id) of the removed tag; meaningful when {@link #vlanId()} is not -1. */
    public int vlanTci() {
        return ring.get(ValueLayout.JAVA_INT, frame + 32) & 0xFFFF;
    }

    /** The removed tag's TPID (0x8100, 0x88A8), 0x8100 when the kernel did not say. */
    public int vlanTpid() {
        return (status() & TP_STATUS_VLAN_TPID_VALID) != 0 ? ring.get(ValueLayout.JAVA_SHORT, frame + 36) & 0xFFFF : 0x8100;
    }

    public int ifIndex() {
        return ring.get(ValueLayout.JAVA_INT, frame + SLL + 4);
    }

    public int packetType() {
        return ring.get(ValueLayout.JAVA_BYTE, frame + SLL + 10) & 0xFF;
    }

    /** sll_protocol: the frame's ethertype (after the removed tag), host order. */
    public int protocol() {
        return ring.get(BE_SHORT, frame + SLL + 2) & 0xFFFF;
    }

    /** Hands every block back (used when the socket's filters are reset). */
    public void releaseAll() {
        if (holding) {
            release();
        }
    }
}
