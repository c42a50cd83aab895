package expkt.protocol.lldp;

import expkt.api.net.Ipv4Address;
import expkt.api.net.Ipv6Address;
import expkt.api.net.MacAddress;
import expkt.api.operator.Printable;
import expkt.codec.FrameBuilder;
import expkt.codec.MalformedPacketException;
import expkt.codec.ethernet.EtherType;
import expkt.codec.ethernet.Ethernet;
import expkt.codec.lldp.Lldp;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Reads LLDPDUs into {@link Neighbor}s and writes ours, with the codec's {@link Lldp} view and
 * {@link FrameBuilder}.
 *
 * <p>Threading: one instance per thread (the views and the builder are reused).
 */
public final class LldpduCodec {
    /** Largest LLDPDU we build: fits a 1500-byte MTU with room to spare. */
    public static final int MAX_FRAME = 1514;

    /** Chassis ID subtype 5 and port ID subtype 4: a network address (IANA family + address). */
    static final int CHASSIS_NETWORK_ADDRESS = 5;
    static final int PORT_NETWORK_ADDRESS = 4;

    private final Ethernet ethernet = new Ethernet();
    private final Lldp lldp = new Lldp();

    /**
     * Parses the LLDPDU in the frame at {@code [offset, offset + length)} of {@code segment}, which
     * arrived on {@code port} at {@code nowMillis}. A TTL of 0 is a shutdown LLDPDU. Every string of
     * the result is display text: the peer's bytes with controls and ill-formed UTF-8 escaped
     * ({@link Printable}), so that no table, command or log line shows them raw.
     *
     * @throws MalformedPacketException if the frame is not an LLDPDU or breaks a rule of IEEE 802.1AB
     *         (its {@link MalformedPacketException#field()} names the rule: the reason it is counted under)
     */
    public Neighbor parse(MemorySegment segment, long offset, int length, String port, long nowMillis) {
        ethernet.wrap(segment, offset, length);
        if (ethernet.etherType() != EtherType.LLDP) {
            throw new MalformedPacketException("LLDP", "ethertype", 12, length,
                    String.format("ethertype 0x%04x is not LLDP (0x88cc)", ethernet.etherType()));
        }
        lldp.wrapPayloadOf(ethernet);
        validate();
        int chassisSubtype = lldp.chassisIdSubtype();
        String chassis = chassisSubtype == Lldp.CHASSIS_MAC
                ? MacAddress.of(lldp.chassisId()).toString().toLowerCase(java.util.Locale.ROOT)
                : display(chassisSubtype == CHASSIS_NETWORK_ADDRESS, lldp.chassisId());
        int portSubtype = lldp.portIdSubtype();
        String portId = portSubtype == Lldp.PORT_MAC
                ? MacAddress.of(lldp.portId()).toString().toLowerCase(java.util.Locale.ROOT)
                : display(portSubtype == PORT_NETWORK_ADDRESS, lldp.portId());
        int ttl = lldp.ttl();
        List<String> addresses = new ArrayList<>(2);
        for (int t = lldp.firstTlv(); t >= 0; t = lldp.nextTlv(t)) {
            if (lldp.tlvType(t) == Lldp.TLV_MANAGEMENT_ADDRESS) {
                addresses.add(address(lldp.managementAddressSubtype(t), lldp.managementAddress(t)));
            }
        }
        return new Neighbor(port, chassisSubtype, chassis, portSubtype, portId, ttl, text(Lldp.TLV_PORT_DESCRIPTION),
                text(Lldp.TLV_SYSTEM_NAME), text(Lldp.TLV_SYSTEM_DESCRIPTION), lldp.systemCapabilities(), lldp.enabledCapabilities(),
                addresses, nowMillis, nowMillis + ttl * 1000L);
    }

    /**
     * What IEEE 802.1AB-2016 9.2.7.7.1 makes the receiver discard and the codec's view does not check
     * (it checks the TLV structure, the order of the mandatory TLVs and the length bounds): a second
     * Chassis ID, Port ID or TTL TLV, a TTL TLV whose length is not 2, an End TLV whose length is not
     * 0, a reserved (0) chassis or port ID subtype, a MAC address ID that is not 6 bytes, a network
     * address ID without an address. Each throws with its own field, which is the reason counted.
     */
    private void validate() {
        int from = lldp.offset();
        int to = from + lldp.headerLength();
        int chassis = 0;
        int portIds = 0;
        int ttls = 0;
        for (int pos = from; pos < to; ) {
            int type = lldp.tlvType(pos);
            int len = lldp.tlvLength(pos);
            switch (type) {
                case Lldp.TLV_END -> {
                    if (len != 0) {
                        throw discard("End TLV length", pos, "the End of LLDPDU TLV has length " + len + ", not 0");
                    }
                    return;
                }
                case Lldp.TLV_CHASSIS_ID -> {
                    if (++chassis > 1) {
                        throw discard("duplicate Chassis ID TLV", pos, "a second Chassis ID TLV");
                    }
                    checkId(pos, len, "chassis ID", Lldp.CHASSIS_MAC, CHASSIS_NETWORK_ADDRESS);
                }
                case Lldp.TLV_PORT_ID -> {
                    if (++portIds > 1) {
                        throw discard("duplicate Port ID TLV", pos, "a second Port ID TLV");
                    }
                    checkId(pos, len, "port ID", Lldp.PORT_MAC, PORT_NETWORK_ADDRESS);
                }
                case Lldp.TLV_TTL -> {
                    if (++ttls > 1) {
                        throw discard("duplicate TTL TLV", pos, "a second Time To Live TLV");
                    }
                    if (len != 2) {
                        throw discard("TTL TLV length", pos, "the Time To Live TLV has length " + len + ", not 2");
                    }
                }
                default -> {
                }
            }
            pos += 2 + len;
        }
    }

    private void checkId(int pos, int len, String what, int macSubtype, int addressSubtype) {
        int subtype = lldp.bytes(pos + 2, 1, what + " subtype")[0] & 0xFF;
        if (subtype == 0) {
            throw discard(what + " subtype", pos, what + " subtype 0 is reserved");
        }
        if (subtype == macSubtype && len != 7) {
            throw discard(what + " length", pos, what + " subtype " + subtype + " (MAC address) has " + (len - 1)
                    + " bytes, not 6");
        }
        if (subtype == addressSubtype && len < 3) {
            throw discard(what + " length", pos, what + " subtype " + subtype + " (network address) has no address");
        }
    }

    private MalformedPacketException discard(String field, int pos, String problem) {
        return new MalformedPacketException("LLDP", field, pos, lldp.frameLength(), problem);
    }

    /** The first TLV of {@code type} as display text ({@link Printable#utf8}), or null if absent. */
    private String text(int type) {
        int t = lldp.findTlv(type);
        return t < 0 ? null : Printable.utf8(lldp.bytes(lldp.tlvValueOffset(t), lldp.tlvLength(t), "TLV value"));
    }

    /** A byte[] frame (tests, pcap): see {@link #parse(MemorySegment, long, int, String, long)}. */
    public Neighbor parse(byte[] frame, String port, long nowMillis) {
        return parse(MemorySegment.ofArray(frame), 0, frame.length, port, nowMillis);
    }

    private static String display(boolean networkAddress, byte[] id) {
        if (networkAddress && id.length > 1) {
            byte[] a = java.util.Arrays.copyOfRange(id, 1, id.length);
            return address(id[0] & 0xFF, a);
        }
        for (byte b : id) {
            if (b < 0x20 || b > 0x7e) {
                return HexFormat.ofDelimiter(":").formatHex(id);
            }
        }
        return new String(id, java.nio.charset.StandardCharsets.US_ASCII);
    }

    private static String address(int family, byte[] a) {
        if (family == Lldp.ADDRESS_IPV4 && a.length == 4) {
            return Ipv4Address.of(a).toString();
        }
        if (family == Lldp.ADDRESS_IPV6 && a.length == 16) {
            return Ipv6Address.of(a).toString();
        }
        return "af" + family + ":" + HexFormat.ofDelimiter(":").formatHex(a);
    }

    /** What we advertise about ourselves on one port. */
    public record LocalPort(MacAddress chassisMac, String portId, String portDescription, MacAddress portMac) {
    }

    /** What we advertise about the system (from the configuration). */
    public record LocalSystem(String systemName, String systemDescription, int capabilities, int enabledCapabilities,
                              Ipv4Address managementAddress) {
    }

    /**
     * Builds our LLDPDU for {@code port} into {@code buffer}: chassis ID (MAC), port ID (interface
     * name subtype: the slot:port), TTL, port description, system name and description, capabilities,
     * management address; with {@code ttl} 0 a shutdown LLDPDU (mandatory TLVs only, IEEE 802.1AB
     * 9.2.7.1.1). Returns the frame's length. Allocates nothing: every TLV is written in place
     * ({@code LldpTxAllocationTest}).
     */
    public static int build(FrameBuilder b, LocalPort port, LocalSystem system, int ttl) {
        b.reset().ethernet(MacAddress.LLDP_NEAREST_BRIDGE, port.portMac()).lldp()
                .lldpChassisId(port.chassisMac())
                .lldpPortId(port.portId())
                .lldpTtl(ttl);
        if (ttl > 0) {
            if (port.portDescription() != null && !port.portDescription().isEmpty()) {
                b.lldpPortDescription(port.portDescription());
            }
            if (system.systemName() != null && !system.systemName().isEmpty()) {
                b.lldpSystemName(system.systemName());
            }
            if (system.systemDescription() != null && !system.systemDescription().isEmpty()) {
                b.lldpSystemDescription(system.systemDescription());
            }
            b.lldpCapabilities(system.capabilities(), system.enabledCapabilities());
            if (system.managementAddress() != null) {
                b.lldpManagementAddress(system.managementAddress(), 1, 0); // no OID: no array per LLDPDU
            }
        }
        return b.finish(60);
    }
}
