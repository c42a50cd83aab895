package expkt.protocol.lldp;

import expkt.api.net.Ipv4Address;
import expkt.api.net.Ipv6Address;
import expkt.api.net.MacAddress;
import expkt.packet.FrameBuilder;
import expkt.packet.MalformedPacketException;
import expkt.packet.ethernet.EtherType;
import expkt.packet.ethernet.Ethernet;
import expkt.packet.lldp.Lldp;

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

    private final Ethernet ethernet = new Ethernet();
    private final Lldp lldp = new Lldp();

    /**
     * Parses the LLDPDU in the frame at {@code [offset, offset + length)} of {@code segment}, which
     * arrived on {@code port} at {@code nowMillis}. A TTL of 0 is a shutdown LLDPDU.
     *
     * @throws MalformedPacketException if the frame is not an LLDPDU or breaks its rules
     */
    public Neighbor parse(MemorySegment segment, long offset, int length, String port, long nowMillis) {
        ethernet.wrap(segment, offset, length);
        if (ethernet.etherType() != EtherType.LLDP) {
            throw new MalformedPacketException("LLDP", "ethertype", 12, length,
                    String.format("ethertype 0x%04x is not LLDP (0x88cc)", ethernet.etherType()));
        }
        lldp.wrapPayloadOf(ethernet);
        int chassisSubtype = lldp.chassisIdSubtype();
        String chassis = chassisSubtype == Lldp.CHASSIS_MAC && lldp.chassisId().length == 6
                ? MacAddress.of(lldp.chassisId()).toString().toLowerCase(java.util.Locale.ROOT)
                : display(chassisSubtype == 5, lldp.chassisId());
        int portSubtype = lldp.portIdSubtype();
        String portId = portSubtype == Lldp.PORT_MAC && lldp.portId().length == 6
                ? MacAddress.of(lldp.portId()).toString().toLowerCase(java.util.Locale.ROOT)
                : display(portSubtype == 4, lldp.portId());
        int ttl = lldp.ttl();
        List<String> addresses = new ArrayList<>(2);
        for (int t = lldp.firstTlv(); t >= 0; t = lldp.nextTlv(t)) {
            if (lldp.tlvType(t) == Lldp.TLV_MANAGEMENT_ADDRESS) {
                addresses.add(address(lldp.managementAddressSubtype(t), lldp.managementAddress(t)));
            }
        }
        return new Neighbor(port, chassisSubtype, chassis, portSubtype, portId, ttl, lldp.portDescription(),
                lldp.systemName(), lldp.systemDescription(), lldp.systemCapabilities(), lldp.enabledCapabilities(),
                addresses, nowMillis, nowMillis + ttl * 1000L);
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
     * 9.2.7.1.1). Returns the frame's length.
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
                b.lldpManagementAddress(system.managementAddress(), 1, 0, new byte[0]);
            }
        }
        return b.finish(60);
    }
}
