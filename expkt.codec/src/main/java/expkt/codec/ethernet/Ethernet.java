package expkt.codec.ethernet;

import expkt.api.net.MacAddress;
import expkt.codec.HeaderView;
import expkt.codec.LayerKind;
import java.lang.foreign.MemorySegment;

/**
 * Ethernet II header with its VLAN tags (802.1Q, 802.1ad, stacked up to {@link #MAX_TAGS}):
 * destination, source, tags, then the inner ethertype. {@link #headerLength()} covers the tags,
 * so the payload is the next layer.
 *
 * <p>Addresses come as {@code long}s ({@link #destinationBits()}) to compare with
 * {@link MacAddress#toLong()} without allocating; {@link #destination()} makes an object.
 */
public final class Ethernet extends HeaderView<Ethernet> {
    public static final int HEADER_LENGTH = 14;
    public static final int MAX_TAGS = 8;
    private static final int TYPE = 12;

    private int tags;

    @Override
    public String name() {
        return KIND.name();
    }

    @Override
    protected void validate() {
        require(0, HEADER_LENGTH, "header");
        int n = 0;
        tags = 0;
        while (VlanTag.isTpid(u16(TYPE + 4 * n, "ethertype"))) {
            if (n == MAX_TAGS) {
                throw malformed("VLAN tag", TYPE + 4 * n, "more than " + MAX_TAGS + " stacked VLAN tags");
            }
            require(TYPE + 4 * n, 6, "VLAN tag");
            n++;
            tags = n;
        }
        int type = etherType();
        if (type < EtherType.MIN_ETHERTYPE && headerLength() + type > wireLimit - start) {
            throw malformed("802.3 length", TYPE + 4 * n, "802.3 length " + type + " exceeds the "
                    + (wireLimit - start - headerLength()) + " bytes after the header");
        }
    }

    /**
     * End of the payload: the frame's end, or for an 802.3 frame (type below 0x0600, e.g. an LLC
     * BPDU) the end its length field gives, so the padding is not part of it.
     */
    @Override
    public long payloadWireLimit() {
        int type = etherType();
        return type < EtherType.MIN_ETHERTYPE ? start + headerLength() + type : wireLimit;
    }

    /** True if the type field is an 802.3 length (the payload starts with an LLC header). */
    public boolean isLengthField() {
        return etherType() < EtherType.MIN_ETHERTYPE;
    }

    @Override
    public int headerLength() {
        return HEADER_LENGTH + 4 * tags;
    }

    public long destinationBits() {
        return u48(0, "destination");
    }

    public long sourceBits() {
        return u48(6, "source");
    }

    public MacAddress destination() {
        return MacAddress.of(destinationBits());
    }

    public MacAddress source() {
        return MacAddress.of(sourceBits());
    }

    /** The type after the tags: what the payload is (or an 802.3 length below 0x0600). */
    public int etherType() {
        return u16(TYPE + 4 * tags, "ethertype");
    }

    /** The type right after the source address: the outer tag's TPID on a tagged frame. */
    public int outerEtherType() {
        return u16(TYPE, "ethertype");
    }

    public int tagCount() {
        return tags;
    }

    private int tagAt(int i) {
        if (i < 0 || i >= tags) {
            throw new IndexOutOfBoundsException("VLAN tag " + i + " of a frame with " + tags + " tags");
        }
        return TYPE + 4 * i;
    }

    /** TPID of tag {@code i} (0 = outermost). */
    public int tagProtocol(int i) {
        return u16(tagAt(i), "TPID");
    }

    /** Raw TCI of tag {@code i} (0 = outermost). */
    public int tagControl(int i) {
        return u16(tagAt(i) + 2, "TCI");
    }

    public int vlanId(int i) {
        return VlanTag.vlanId(tagControl(i));
    }

    public int priority(int i) {
        return VlanTag.priority(tagControl(i));
    }

    public boolean dropEligible(int i) {
        return VlanTag.dropEligible(tagControl(i));
    }

    /** VID of the innermost tag (the customer VLAN), or -1 if the frame is untagged. */
    public int innerVlanId() {
        return tags == 0 ? -1 : vlanId(tags - 1);
    }

    // ---------------------------------------------------------------- the layer table's rows and the writers

    /** Ethernet II: names the next layer by the ethertype at 12. */
    public static final LayerKind KIND = LayerKind.builder("Ethernet").nextLayerField(12, 2, -1).build();
    /**
     * An 802.1Q C-tag, announced by TPID 0x8100 in the type field before it; as a layer it starts at
     * that TPID, so its own type field is at 4.
     */
    public static final LayerKind CUSTOMER_TAG_KIND = LayerKind.builder("VLAN tag").etherType(EtherType.VLAN).nextLayerField(4, 2, -1).build();
    /** An 802.1ad S-tag, announced by TPID 0x88A8; laid out as {@link #CUSTOMER_TAG_KIND}. */
    public static final LayerKind SERVICE_TAG_KIND = LayerKind.builder("VLAN tag").etherType(EtherType.SERVICE_VLAN).nextLayerField(4, 2, -1)
            .build();

    /** Writes an Ethernet II header at {@code at} with ethertype 0 (filled later); returns its length, 14. */
    public static int write(MemorySegment segment, long at, long destinationBits, long sourceBits) {
        write48(segment, at, destinationBits);
        write48(segment, at + 6, sourceBits);
        write16(segment, at + TYPE, 0);
        return HEADER_LENGTH;
    }

    /** Writes a tag's TCI and a type field of 0 at {@code at}, right after the TPID (in the type field before); returns 4. */
    public static int writeTag(MemorySegment segment, long at, int tci) {
        write16(segment, at, tci);
        write16(segment, at + 2, 0);
        return VlanTag.LENGTH;
    }
}
