package expkt.provider.bpf;

import expkt.api.packet.Direction;
import expkt.api.packet.Filter;
import expkt.linux.PacketSockets;

import java.util.List;

/**
 * Compiles a socket's filters into one classic BPF program (SO_ATTACH_FILTER): the filters are OR-ed,
 * a match returns the whole frame, anything else returns 0 (the frame never reaches the socket).
 *
 * <p>Each filter becomes a block that checks, in order:
 * <ol>
 * <li>the receiving interface is one of the filter's ({@code SKF_AD_IFINDEX}): with punt links, the
 *     far ends of its ports' links for its directions in the punt namespace (every punted frame of
 *     every filter arrives there); on the degrade path (no nftables), its ports themselves, since the
 *     socket then listens on every interface of the data-plane namespace, and frames also show up on
 *     the bridge and other non-port devices, which must not be reported twice;</li>
 * <li>the direction ({@code SKF_AD_PKTTYPE}: PACKET_OUTGOING is EGRESS, anything else INGRESS; on
 *     the punt links every copy is received, INGRESS, and the link says the direction);</li>
 * <li>the destination MAC (bytes 0..5);</li>
 * <li>the ethertype: by default the one after any VLAN tags. The kernel moves an incoming frame's
 *     outer 802.1Q/802.1ad tag to metadata before packet taps see it, so the frame's own bytes hold at
 *     most the inner tags: they are skipped (up to two). A filter on the tag ethertypes themselves
 *     (0x8100, 0x88A8) also matches the tag in metadata ({@code SKF_AD_VLAN_TAG_PRESENT},
 *     {@code SKF_AD_VLAN_TPID}). An explicit offset reads 16 bits at that raw offset of the frame as the
 *     socket hands it over: whole, as on the wire (the receive path puts the outer tag back). The
 *     program sees the frame without that tag, so for a frame whose tag is in metadata the offset is
 *     translated (see {@link #loadWireHalfword}): before byte 12 as is, bytes 12..15 from the tag in
 *     metadata, from byte 16 on 4 bytes earlier.</li>
 * </ol>
 */
public final class BpfCompiler {
    /** What a matching frame returns: the snap length, far above any MTU, so the frame is whole. */
    public static final int ACCEPT_ALL = 0x40000;
    /** The program of a socket without filters: nothing comes up. */
    public static final long[] REJECT_ALL = {PacketSockets.insn(BpfAssembler.RET_K, 0, 0, 0)};

    /**
     * A filter with the interfaces it applies to (ifindexes in the data-plane namespace) and the
     * direction to match on them (the filter's own, or INGRESS for the copies an EGRESS + UP_AND_DROP
     * filter receives on its capture links).
     */
    public record CompiledFilter(Filter filter, int[] ifIndexes, Direction direction) {
        public CompiledFilter(Filter filter, int[] ifIndexes) {
            this(filter, ifIndexes, filter.direction());
        }
    }

    private BpfCompiler() {
    }

    public static long[] compile(List<CompiledFilter> filters) {
        BpfAssembler a = new BpfAssembler();
        for (CompiledFilter cf : filters) {
            if (cf.ifIndexes().length == 0) {
                continue; // no port in scope: this filter can match nothing here
            }
            block(a, cf.filter(), cf.ifIndexes(), cf.direction());
        }
        a.ret(0);
        long[] program = a.assemble();
        if (program.length > 4096) {
            throw new IllegalArgumentException("the socket's " + filters.size() + " filters need " + program.length
                    + " BPF instructions; the kernel takes 4096 at most");
        }
        return program;
    }

    private static void block(BpfAssembler a, Filter f, int[] ifIndexes, Direction direction) {
        int next = a.newLabel();
        int match = a.newLabel();
        // 1. the interface is one of the filter's ports
        int portOk = a.newLabel();
        a.loadAncillary(BpfAssembler.SKF_AD_IFINDEX);
        for (int ifIndex : ifIndexes) {
            if (ifIndexes.length <= 200) {
                a.jumpIfEqual(ifIndex, portOk, BpfAssembler.NEXT);
            } else {
                int no = a.newLabel();
                a.jumpIfEqual(ifIndex, BpfAssembler.NEXT, no);
                a.jumpAlways(portOk);
                a.place(no);
            }
        }
        a.jumpAlways(next);
        a.place(portOk);
        // 2. direction
        if (direction != Direction.BOTH) {
            a.loadAncillary(BpfAssembler.SKF_AD_PKTTYPE);
            if (direction == Direction.INGRESS) {
                a.jumpIfEqual(PacketSockets.PACKET_OUTGOING, next, BpfAssembler.NEXT);
            } else {
                a.jumpIfEqual(PacketSockets.PACKET_OUTGOING, BpfAssembler.NEXT, next);
            }
        }
        // 3. destination MAC
        if (f.dstmac() != null) {
            long mac = f.dstmac().toLong();
            a.load(BpfAssembler.LD_W_ABS, 2);
            a.jumpIfEqual((int) mac, BpfAssembler.NEXT, next);
            a.load(BpfAssembler.LD_H_ABS, 0);
            a.jumpIfEqual((int) (mac >>> 32) & 0xFFFF, BpfAssembler.NEXT, next);
        }
        // 4. ethertype
        if (f.hasEthertype()) {
            int et = f.ethertype();
            if (f.ethertypeOffset() != Filter.DEFAULT_OFFSET) {
                int off = f.ethertypeOffset();
                if (off + 2 <= 12) {
                    a.load(BpfAssembler.LD_H_ABS, off); // in the MACs: the same bytes, tagged or not
                } else {
                    int tagged = a.newLabel();
                    int loaded = a.newLabel();
                    a.loadAncillary(BpfAssembler.SKF_AD_VLAN_TAG_PRESENT);
                    a.jumpIfEqual(0, BpfAssembler.NEXT, tagged);
                    a.load(BpfAssembler.LD_H_ABS, off);
                    a.jumpAlways(loaded);
                    a.place(tagged);
                    loadWireHalfword(a, off);
                    a.place(loaded);
                }
                a.jumpIfEqual(et, BpfAssembler.NEXT, next);
            } else if (et == PacketSockets.ETH_P_8021Q || et == PacketSockets.ETH_P_8021AD) {
                int inFrame = a.newLabel();
                a.loadAncillary(BpfAssembler.SKF_AD_VLAN_TAG_PRESENT);
                a.jumpIfEqual(0, inFrame, BpfAssembler.NEXT);
                a.loadAncillary(BpfAssembler.SKF_AD_VLAN_TPID);
                a.jumpIfEqual(et, match, BpfAssembler.NEXT);
                a.place(inFrame);
                a.load(BpfAssembler.LD_H_ABS, 12);
                a.jumpIfEqual(et, BpfAssembler.NEXT, next);
            } else {
                int tag1 = a.newLabel();
                int tag2 = a.newLabel();
                a.load(BpfAssembler.LD_H_ABS, 12);
                a.jumpIfEqual(PacketSockets.ETH_P_8021Q, tag1, BpfAssembler.NEXT);
                a.jumpIfEqual(PacketSockets.ETH_P_8021AD, tag1, BpfAssembler.NEXT);
                a.jumpIfEqual(et, match, next);
                a.place(tag1);
                a.load(BpfAssembler.LD_H_ABS, 16);
                a.jumpIfEqual(PacketSockets.ETH_P_8021Q, tag2, BpfAssembler.NEXT);
                a.jumpIfEqual(et, match, next);
                a.place(tag2);
                a.load(BpfAssembler.LD_H_ABS, 20);
                a.jumpIfEqual(et, BpfAssembler.NEXT, next);
            }
        }
        a.place(match);
        a.ret(ACCEPT_ALL);
        a.place(next);
    }

    /**
     * Loads into A the 16 bits at offset {@code off} (at least 11) of the frame as it was on the wire, for
     * a frame whose outer tag the kernel moved into metadata (the program's packet lacks wire bytes
     * 12..15): from byte 16 on at {@code off - 4}; the tag's TPID and TCI from {@code SKF_AD_VLAN_TPID} and
     * {@code SKF_AD_VLAN_TAG}; a halfword that straddles the tag's edges (11, 13, 15) byte by byte.
     */
    static void loadWireHalfword(BpfAssembler a, int off) {
        if (off >= 16) {
            a.load(BpfAssembler.LD_H_ABS, off - 4);
        } else if (off == 12) {
            a.loadAncillary(BpfAssembler.SKF_AD_VLAN_TPID);
        } else if (off == 14) {
            a.loadAncillary(BpfAssembler.SKF_AD_VLAN_TAG);
        } else {
            loadWireByte(a, off);
            a.load(BpfAssembler.ALU_LSH_K, 8);
            a.load(BpfAssembler.ST, 0);
            loadWireByte(a, off + 1);
            a.load(BpfAssembler.LDX_MEM, 0);
            a.load(BpfAssembler.ALU_OR_X, 0);
        }
    }

    /** Loads into A the byte at offset {@code off} of the frame as it was on the wire (see {@link #loadWireHalfword}). */
    private static void loadWireByte(BpfAssembler a, int off) {
        if (off < 12) {
            a.load(BpfAssembler.LD_B_ABS, off);
        } else if (off >= 16) {
            a.load(BpfAssembler.LD_B_ABS, off - 4);
        } else {
            a.loadAncillary(off < 14 ? BpfAssembler.SKF_AD_VLAN_TPID : BpfAssembler.SKF_AD_VLAN_TAG);
            if (off % 2 == 0) {
                a.load(BpfAssembler.ALU_RSH_K, 8);
            } else {
                a.load(BpfAssembler.ALU_AND_K, 0xFF);
            }
        }
    }
}
