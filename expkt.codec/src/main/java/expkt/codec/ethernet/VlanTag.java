package expkt.codec.ethernet;

/**
 * An 802.1Q (C-tag, TPID 0x8100) or 802.1ad (S-tag, TPID 0x88A8) tag: 2 bytes of TPID and 2 of
 * TCI (PCP 3 bits, DEI 1 bit, VID 12 bits). Tags sit in the {@link Ethernet} header, which reads
 * them; these helpers take a tag's TCI apart and put it together.
 */
public final class VlanTag {
    /** Bytes of one tag. */
    public static final int LENGTH = 4;

    private VlanTag() {
    }

    /** True for the TPIDs of 802.1Q, 802.1ad and the legacy 0x9100. */
    public static boolean isTpid(int type) {
        return type == EtherType.VLAN || type == EtherType.SERVICE_VLAN || type == EtherType.QINQ_LEGACY;
    }

    public static int priority(int tci) {
        return tci >>> 13 & 7;
    }

    public static boolean dropEligible(int tci) {
        return (tci & 0x1000) != 0;
    }

    public static int vlanId(int tci) {
        return tci & 0x0FFF;
    }

    /** The TCI of {@code pcp}, {@code dei}, {@code vid}; throws naming a value out of range. */
    public static int tci(int priority, boolean dropEligible, int vlanId) {
        if (priority < 0 || priority > 7) {
            throw new IllegalArgumentException("VLAN priority " + priority + " is outside 0..7");
        }
        if (vlanId < 0 || vlanId > 4095) {
            throw new IllegalArgumentException("VLAN id " + vlanId + " is outside 0..4095");
        }
        return priority << 13 | (dropEligible ? 0x1000 : 0) | vlanId;
    }
}
