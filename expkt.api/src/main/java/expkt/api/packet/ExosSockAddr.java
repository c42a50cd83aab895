package expkt.api.packet;

import expkt.api.net.SlotPort;
import expkt.api.spi.ExosSockAddrs;

/**
 * Where a received frame came from (the seed's {@code ExosSockAddr}). A mutable holder that
 * {@link PacketSocket#recvfrom} fills in, so that a receive loop allocates nothing per frame: reuse
 * one instance. String fields refer to the data plane model's own strings; nothing is built per frame.
 * Only the provider fills it in ({@link ExosSockAddrs}, a package for expkt's own bundles).
 */
public final class ExosSockAddr {
    /** VLAN id value when the frame carried no tag. */
    public static final int NO_VLAN = -1;

    private int slot;
    private int port;
    private String ifName;
    private int ifIndex;
    private int vlanId = NO_VLAN;
    private String vlanName;
    private int vrId = -1;
    private String vrName;
    private Direction direction;
    private PacketType packetType = PacketType.UNKNOWN;
    private long timestampNanos;
    private int originalLength;
    private int capturedLength;
    private int protocol;
    private int vlanTci = NO_VLAN;
    private int vlanTpid;

    static {
        // the provider's way in (expkt.api.spi, not for protocol bundles): there is no public setter
        ExosSockAddrs.install(ExosSockAddr::set);
        ExosSockAddrs.installVlanTagSetter(ExosSockAddr::setVlanTag);
    }

    /**
     * Filled in by the provider through {@link ExosSockAddrs#set} (since 2.0 not public: a protocol
     * bundle cannot forge where a frame came from). Sets the outer tag to {@code vlanId} with
     * priority 0 and TPID 0x8100 (or none); {@link ExosSockAddrs#setVlanTag} then gives the tag as it was.
     */
    private void set(int slot, int port, String ifName, int ifIndex, int vlanId, String vlanName, int vrId,
                    String vrName, Direction direction, PacketType packetType, long timestampNanos,
                    int originalLength, int capturedLength, int protocol) {
        this.slot = slot;
        this.port = port;
        this.ifName = ifName;
        this.ifIndex = ifIndex;
        this.vlanId = vlanId;
        this.vlanName = vlanName;
        this.vrId = vrId;
        this.vrName = vrName;
        this.direction = direction;
        this.packetType = packetType;
        this.timestampNanos = timestampNanos;
        this.originalLength = originalLength;
        this.capturedLength = capturedLength;
        this.protocol = protocol;
        this.vlanTci = vlanId == NO_VLAN ? NO_VLAN : vlanId & 0xFFF;
        this.vlanTpid = vlanId == NO_VLAN ? 0 : 0x8100;
    }

    /**
     * Filled in by the provider after {@link #set} through {@link ExosSockAddrs#setVlanTag} (not public
     * since 2.0, like {@link #set}), for a frame whose outer tag the kernel took off: that tag's TPID and
     * whole TCI. Ignored when the frame carried no tag.
     */
    private void setVlanTag(int tpid, int tci) {
        if (vlanId == NO_VLAN) {
            return;
        }
        this.vlanTpid = tpid & 0xFFFF;
        this.vlanTci = tci & 0xFFFF;
    }

    public int slot() { return slot; }
    public int port() { return port; }
    /** Allocates a {@link SlotPort}; use {@link #slot()}/{@link #port()} on a hot path. */
    public SlotPort slotPort() { return new SlotPort(slot, port); }
    public String ifName() { return ifName; }
    public int ifIndex() { return ifIndex; }
    /** The 802.1Q VLAN id the frame carried, or {@link #NO_VLAN}. */
    public int vlanId() { return vlanId; }
    /** The configured VLAN with that tag, or null. */
    public String vlanName() { return vlanName; }
    public int vrId() { return vrId; }
    public String vrName() { return vrName; }
    /** INGRESS for a frame that arrived on the port, EGRESS for one that left through it. */
    public Direction direction() { return direction; }
    public PacketType packetType() { return packetType; }
    /** Kernel receive timestamp, nanoseconds since the epoch. */
    public long timestampNanos() { return timestampNanos; }
    /** Length of the frame on the wire (with its VLAN tags). */
    public int originalLength() { return originalLength; }
    /**
     * Bytes handed to the socket, the outer tag included (the frame is whole); less than the original
     * when truncated.
     */
    public int capturedLength() { return capturedLength; }
    /**
     * The ethertype behind the frame's outer tag, as the kernel saw it: for an untagged frame or one
     * with one tag its ethertype, for a QinQ frame the inner tag's TPID (0x8100).
     */
    public int protocol() { return protocol; }
    /**
     * The whole TCI (priority, DEI, VLAN id) of the frame's outer tag, or {@link #NO_VLAN}: the same
     * as the frame's bytes 14..15, since 2.0 frames come up whole (the kernel moves that tag into
     * metadata, the provider puts it back; up to 1.x the frame came without it).
     *
     * @since 1.3
     */
    public int vlanTci() { return vlanTci; }
    /**
     * The TPID of the frame's outer tag (0x8100 for 802.1Q, 0x88A8 for 802.1ad; the frame's bytes
     * 12..13), or 0 when the frame carried none.
     *
     * @since 1.3
     */
    public int vlanTpid() { return vlanTpid; }

    public ExosSockAddr copy() {
        ExosSockAddr c = new ExosSockAddr();
        c.set(slot, port, ifName, ifIndex, vlanId, vlanName, vrId, vrName, direction, packetType, timestampNanos,
                originalLength, capturedLength, protocol);
        c.vlanTci = vlanTci;
        c.vlanTpid = vlanTpid;
        return c;
    }

    @Override
    public String toString() {
        return "ExosSockAddr[" + slot + ":" + port + " " + ifName + "#" + ifIndex
                + (vlanId == NO_VLAN ? "" : " vlan " + vlanId + (vlanName == null ? "" : " (" + vlanName + ")")
                        + String.format(" tpid 0x%04x tci 0x%04x", vlanTpid, vlanTci))
                + " vr " + vrName + "(" + vrId + ") " + direction + " " + packetType
                + " len " + capturedLength + "/" + originalLength + " ts " + timestampNanos + "]";
    }
}
