package expkt.codec.lldp;

import expkt.api.net.MacAddress;
import expkt.codec.HeaderView;
import expkt.codec.LayerKind;
import expkt.codec.ethernet.EtherType;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * An LLDPDU (IEEE 802.1AB): a sequence of TLVs (7-bit type, 9-bit length). Wrap walks every TLV
 * against the region, requires the mandatory Chassis ID, Port ID and TTL TLVs first and in that
 * order, checks the lengths of the TLVs it knows, and remembers where the first of each known TLV
 * is, so the accessors below do not walk again. The walk ends at the End of LLDPDU TLV (or at the
 * end of the region).
 *
 * <p>Any TLV, org-specific ones included, can be walked with a cursor of frame offsets:
 * {@code for (int t = lldp.firstTlv(); t >= 0; t = lldp.nextTlv(t))}.
 *
 * <p>Exceptions follow the rule of {@link HeaderView}: bad bytes throw
 * {@link expkt.codec.MalformedPacketException}; a getter that does not apply (a MAC address of a
 * chassis or port ID of another subtype) throws {@link IllegalStateException}; a TLV cursor of the
 * wrong type throws {@link IllegalArgumentException}.
 */
public final class Lldp extends HeaderView<Lldp> {
    public static final int TLV_END = 0;
    public static final int TLV_CHASSIS_ID = 1;
    public static final int TLV_PORT_ID = 2;
    public static final int TLV_TTL = 3;
    public static final int TLV_PORT_DESCRIPTION = 4;
    public static final int TLV_SYSTEM_NAME = 5;
    public static final int TLV_SYSTEM_DESCRIPTION = 6;
    public static final int TLV_SYSTEM_CAPABILITIES = 7;
    public static final int TLV_MANAGEMENT_ADDRESS = 8;
    public static final int TLV_ORGANIZATION_SPECIFIC = 127;
    /** Chassis ID subtype 4 and port ID subtype 3: a MAC address. */
    public static final int CHASSIS_MAC = 4;
    public static final int CHASSIS_LOCAL = 7;
    public static final int PORT_MAC = 3;
    public static final int PORT_INTERFACE_NAME = 5;
    public static final int PORT_LOCAL = 7;
    /** Management address subtypes (IANA address family numbers). */
    public static final int ADDRESS_IPV4 = 1;
    public static final int ADDRESS_IPV6 = 2;
    /** Capability bits. */
    public static final int CAPABILITY_OTHER = 0x01;
    public static final int CAPABILITY_REPEATER = 0x02;
    public static final int CAPABILITY_BRIDGE = 0x04;
    public static final int CAPABILITY_WLAN_AP = 0x08;
    public static final int CAPABILITY_ROUTER = 0x10;
    public static final int CAPABILITY_TELEPHONE = 0x20;
    public static final int CAPABILITY_DOCSIS = 0x40;
    public static final int CAPABILITY_STATION = 0x80;

    private final int[] firstOfType = new int[9];
    private int end;

    @Override
    public String name() {
        return KIND.name();
    }

    @Override
    protected void validate() {
        java.util.Arrays.fill(firstOfType, -1);
        int pos = start;
        int index = 0;
        end = limit;
        while (pos < wireLimit) { // past limit only in a frame the capture cut: the read marks the LLDPDU cut
            int type = tlvType(pos);
            int len = tlvLength(pos); // checks the value fits
            if (index < 3 && type != index + 1) {
                throw malformed("TLV type", pos - start, "TLV " + index + " has type " + type + ", expected "
                        + (index + 1) + " (Chassis ID, Port ID and TTL come first)");
            }
            if (type == TLV_END) {
                end = pos + 2;
                break;
            }
            if (type < firstOfType.length && firstOfType[type] < 0) {
                firstOfType[type] = pos;
            }
            checkLength(pos, type, len);
            pos += 2 + len;
            index++;
        }
        if (index < 3) {
            throw malformed("TLV", pos - start, "LLDPDU ends after " + index
                    + " TLVs, before its mandatory Chassis ID, Port ID and TTL");
        }
    }

    private void checkLength(int pos, int type, int len) {
        int min;
        int max = 511;
        switch (type) {
            case TLV_CHASSIS_ID, TLV_PORT_ID -> { min = 2; max = 256; }
            case TLV_TTL -> min = 2;
            case TLV_SYSTEM_CAPABILITIES -> { min = 4; max = 4; }
            case TLV_MANAGEMENT_ADDRESS -> min = 9;
            case TLV_ORGANIZATION_SPECIFIC -> min = 4;
            default -> min = 0;
        }
        if (len < min || len > max) {
            throw malformed("TLV length", pos - start, "TLV type " + type + " has length " + len + ", outside " + min + ".." + max);
        }
        if (type == TLV_MANAGEMENT_ADDRESS) {
            int v = pos - start + 2;
            int addrLen = u8(v, "management address string length");
            if (addrLen < 2 || addrLen > 32 || 1 + addrLen + 6 > len) {
                throw malformed("management address string length", v, "address string length " + addrLen
                        + " does not fit a TLV of " + len + " bytes (2..32)");
            }
            int oidLen = u8(v + 1 + addrLen + 5, "OID string length");
            if (1 + addrLen + 6 + oidLen != len) {
                throw malformed("OID string length", v + 1 + addrLen + 5, "OID length " + oidLen
                        + " does not fill the rest of a TLV of " + len + " bytes");
            }
        }
    }

    /** The whole LLDPDU, End TLV included. */
    @Override
    public int headerLength() {
        return end - start;
    }

    // ---- TLV cursor ----

    public int firstTlv() {
        return start < end ? start : -1;
    }

    /** Frame offset of the TLV after {@code tlv}, or -1 after the last one (the End TLV is not visited). */
    public int nextTlv(int tlv) {
        int next = tlv + 2 + tlvLength(tlv);
        if (next >= end || tlvType(next) == TLV_END) {
            return -1;
        }
        return next;
    }

    public int tlvType(int tlv) {
        return u16(tlv - start, "TLV header") >>> 9;
    }

    /** Length of the TLV's value (checked to fit the region). */
    public int tlvLength(int tlv) {
        int len = u16(tlv - start, "TLV header") & 0x1FF;
        if (tlv + 2 + len > wireLimit) {
            throw malformed("TLV length", tlv - start, "TLV type " + tlvType(tlv) + " of length " + len
                    + " exceeds the " + (wireLimit - tlv - 2) + " bytes left");
        }
        return len;
    }

    /** Frame offset of the TLV's value. */
    public int tlvValueOffset(int tlv) {
        return tlv + 2;
    }

    /** Frame offset of the first TLV of a known {@code type} (0..8), or -1. */
    public int findTlv(int type) {
        if (type < 1 || type >= firstOfType.length) {
            throw new IllegalArgumentException("LLDP TLV type " + type + " is not one of 1..8 remembered on wrap");
        }
        return firstOfType[type];
    }

    private String string(int tlv, int skip) {
        if (tlv < 0) {
            return null;
        }
        return new String(bytes(tlv + 2 + skip, tlvLength(tlv) - skip, "TLV value"), StandardCharsets.UTF_8);
    }

    // ---- mandatory TLVs ----

    public int chassisIdSubtype() {
        return u8(firstOfType[TLV_CHASSIS_ID] - start + 2, "chassis ID subtype");
    }

    /** The chassis ID without its subtype byte (allocates). */
    public byte[] chassisId() {
        int t = firstOfType[TLV_CHASSIS_ID];
        return bytes(t + 3, tlvLength(t) - 1, "chassis ID");
    }

    /**
     * The chassis ID as a MAC address (subtype 4, 6 bytes).
     *
     * @throws IllegalStateException if the chassis ID subtype is not {@link #CHASSIS_MAC}
     * @throws expkt.codec.MalformedPacketException if it is, but the ID is not 6 bytes
     */
    public long chassisIdMacBits() {
        return macOf(firstOfType[TLV_CHASSIS_ID], CHASSIS_MAC, "chassis ID");
    }

    /** The chassis ID as text (subtypes such as 7, local) (allocates). */
    public String chassisIdString() {
        return string(firstOfType[TLV_CHASSIS_ID], 1);
    }

    public int portIdSubtype() {
        return u8(firstOfType[TLV_PORT_ID] - start + 2, "port ID subtype");
    }

    public byte[] portId() {
        int t = firstOfType[TLV_PORT_ID];
        return bytes(t + 3, tlvLength(t) - 1, "port ID");
    }

    /**
     * The port ID as a MAC address (subtype 3, 6 bytes).
     *
     * @throws IllegalStateException if the port ID subtype is not {@link #PORT_MAC}
     * @throws expkt.codec.MalformedPacketException if it is, but the ID is not 6 bytes
     */
    public long portIdMacBits() {
        return macOf(firstOfType[TLV_PORT_ID], PORT_MAC, "port ID");
    }

    /** The port ID as text (interface name, local) (allocates). */
    public String portIdString() {
        return string(firstOfType[TLV_PORT_ID], 1);
    }

    private long macOf(int tlv, int subtype, String field) {
        int s = u8(tlv - start + 2, field); // the subtype byte; no string built on the read path
        if (s != subtype) {
            throw new IllegalStateException("LLDP " + field + " has subtype " + s + ", not " + subtype
                    + " (a MAC address): check its subtype first");
        }
        if (tlvLength(tlv) != 7) {
            throw malformed(field, tlv - start, field + " of subtype " + s + " (a MAC address) has length " + tlvLength(tlv) + ", not 7");
        }
        return u48(tlv - start + 3, field);
    }

    /** Time to live, seconds. */
    public int ttl() {
        return u16(firstOfType[TLV_TTL] - start + 2, "TTL");
    }

    // ---- optional TLVs ----

    /** Port description, or null (allocates). */
    public String portDescription() {
        return string(firstOfType[TLV_PORT_DESCRIPTION], 0);
    }

    public String systemName() {
        return string(firstOfType[TLV_SYSTEM_NAME], 0);
    }

    public String systemDescription() {
        return string(firstOfType[TLV_SYSTEM_DESCRIPTION], 0);
    }

    /** System capabilities bits, or -1 if the TLV is absent. */
    public int systemCapabilities() {
        int t = firstOfType[TLV_SYSTEM_CAPABILITIES];
        return t < 0 ? -1 : u16(t - start + 2, "system capabilities");
    }

    /** Enabled capabilities bits, or -1 if the TLV is absent. */
    public int enabledCapabilities() {
        int t = firstOfType[TLV_SYSTEM_CAPABILITIES];
        return t < 0 ? -1 : u16(t - start + 4, "enabled capabilities");
    }

    /** Frame offset of the first management address TLV, or -1; pass it to the accessors below. */
    public int managementAddressTlv() {
        return firstOfType[TLV_MANAGEMENT_ADDRESS];
    }

    private int mgmt(int tlv) {
        if (tlvType(tlv) != TLV_MANAGEMENT_ADDRESS) {
            throw new IllegalArgumentException("TLV at " + tlv + " is type " + tlvType(tlv) + ", not a management address");
        }
        return tlv - start + 2;
    }

    /** Address family of the management address (1 IPv4, 2 IPv6). */
    public int managementAddressSubtype(int tlv) {
        return u8(mgmt(tlv) + 1, "management address subtype");
    }

    /** The management address bytes (allocates). */
    public byte[] managementAddress(int tlv) {
        int v = mgmt(tlv);
        return bytes(start + v + 2, u8(v, "management address string length") - 1, "management address");
    }

    /**
     * The IPv4 management address (subtype 1, 4 bytes).
     *
     * @throws IllegalArgumentException if {@code tlv} is not a management address TLV
     * @throws IllegalStateException if its address subtype is not {@link #ADDRESS_IPV4}
     * @throws expkt.codec.MalformedPacketException if it is, but the address is not 4 bytes
     */
    public int managementAddressIpv4Bits(int tlv) {
        int v = mgmt(tlv);
        if (managementAddressSubtype(tlv) != ADDRESS_IPV4) {
            throw new IllegalStateException("LLDP management address at " + tlv + " has subtype " + managementAddressSubtype(tlv)
                    + ", not 1 (IPv4): check managementAddressSubtype() first");
        }
        if (u8(v, "management address string length") != 5) {
            throw malformed("management address", v, "IPv4 management address of " + (u8(v, "management address string length") - 1)
                    + " bytes, not 4");
        }
        return i32(v + 2, "management address");
    }

    private int afterAddress(int tlv) {
        int v = mgmt(tlv);
        return v + 1 + u8(v, "management address string length");
    }

    /** Interface numbering subtype (1 unknown, 2 ifIndex, 3 system port number). */
    public int managementInterfaceSubtype(int tlv) {
        return u8(afterAddress(tlv), "interface numbering subtype");
    }

    public long managementInterfaceNumber(int tlv) {
        return u32(afterAddress(tlv) + 1, "interface number");
    }

    /** The object identifier (allocates; empty if none). */
    public byte[] managementOid(int tlv) {
        int a = afterAddress(tlv);
        return bytes(start + a + 6, u8(a + 5, "OID string length"), "OID");
    }

    // ---- organisationally specific ----

    /** The 24-bit OUI of an org-specific TLV. */
    public int organizationOui(int tlv) {
        requireOrg(tlv);
        return u16(tlv - start + 2, "OUI") << 8 | u8(tlv - start + 4, "OUI");
    }

    public int organizationSubtype(int tlv) {
        requireOrg(tlv);
        return u8(tlv - start + 5, "org subtype");
    }

    /** The information string of an org-specific TLV (allocates). */
    public byte[] organizationInfo(int tlv) {
        requireOrg(tlv);
        return bytes(tlv + 6, tlvLength(tlv) - 4, "org information");
    }

    private void requireOrg(int tlv) {
        if (tlvType(tlv) != TLV_ORGANIZATION_SPECIFIC) {
            throw new IllegalArgumentException("TLV at " + tlv + " is type " + tlvType(tlv) + ", not organisationally specific");
        }
    }

    /**
     * Convenience: the chassis ID MAC as an object (allocates).
     *
     * @throws IllegalStateException if the chassis ID subtype is not {@link #CHASSIS_MAC}
     */
    public MacAddress chassisMac() {
        return MacAddress.of(chassisIdMacBits());
    }

    // ---------------------------------------------------------------- the layer table's row and the writers
    // Each TLV is written in place: header, then its value straight into the buffer (strings
    // encoded to UTF-8 as they are copied, addresses from their primitive bits), so writing an
    // LLDPDU allocates nothing; the agent writes one per port every transmit interval.

    /** An LLDPDU: announced by ethertype 0x88CC; its TLVs end with the End TLV, written when the next layer starts or at finish. */
    public static final LayerKind KIND = LayerKind.builder("LLDP").etherType(EtherType.LLDP).trailer(new byte[2], "LLDP End TLV").build();

    /** Writes a TLV header (7-bit type, 9-bit length) at {@code at}; the value follows; returns 2. */
    public static int writeTlvHeader(MemorySegment segment, long at, int type, int length) {
        write16(segment, at, type << 9 | length);
        return 2;
    }

    /** Bytes of {@code s} in UTF-8, exactly as {@code s.getBytes(UTF_8)} makes them (an unpaired surrogate is '?'), without making them. */
    public static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                n += 1; // '?'
            } else {
                n += 3;
            }
        }
        return n;
    }

    /** Writes {@code s} in UTF-8 at {@code at}, the {@link #utf8Length(String)} bytes {@code s.getBytes(UTF_8)} would make, allocating nothing. */
    public static int writeUtf8(MemorySegment segment, long at, String s) {
        long start = at;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                write8(segment, at++, c);
            } else if (c < 0x800) {
                write8(segment, at++, 0xC0 | c >>> 6);
                write8(segment, at++, 0x80 | c & 0x3F);
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                write8(segment, at++, 0xF0 | cp >>> 18);
                write8(segment, at++, 0x80 | cp >>> 12 & 0x3F);
                write8(segment, at++, 0x80 | cp >>> 6 & 0x3F);
                write8(segment, at++, 0x80 | cp & 0x3F);
            } else if (Character.isSurrogate(c)) {
                write8(segment, at++, '?');
            } else {
                write8(segment, at++, 0xE0 | c >>> 12);
                write8(segment, at++, 0x80 | c >>> 6 & 0x3F);
                write8(segment, at++, 0x80 | c & 0x3F);
            }
        }
        return (int) (at - start);
    }
}
