package expkt.protocol.lldp;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * LLDPDUs byte by byte, free to break every rule the codec's {@code FrameBuilder} keeps: what a
 * hostile or broken peer sends.
 */
final class CraftedLldpdu {
    static final byte[] PEER_MAC = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    CraftedLldpdu() {
        out.writeBytes(new byte[] {0x01, (byte) 0x80, (byte) 0xC2, 0x00, 0x00, 0x0E});
        out.writeBytes(PEER_MAC);
        out.write(0x88);
        out.write(0xCC);
    }

    /** Chassis ID (MAC), port ID "eth0" (interface name), TTL 120: a valid start. */
    static CraftedLldpdu valid() {
        return new CraftedLldpdu().chassisMac(PEER_MAC).portName("eth0").ttl(120);
    }

    CraftedLldpdu tlv(int type, byte... value) {
        out.write(type << 1 | value.length >> 8);
        out.write(value.length & 0xFF);
        out.writeBytes(value);
        return this;
    }

    CraftedLldpdu tlv(int type, int subtype, byte[] value) {
        byte[] v = new byte[value.length + 1];
        v[0] = (byte) subtype;
        System.arraycopy(value, 0, v, 1, value.length);
        return tlv(type, v);
    }

    CraftedLldpdu chassisMac(byte[] mac) {
        return tlv(1, 4, mac);
    }

    CraftedLldpdu portName(String name) {
        return tlv(2, 5, name.getBytes(StandardCharsets.UTF_8));
    }

    CraftedLldpdu ttl(int seconds) {
        return tlv(3, (byte) (seconds >> 8), (byte) seconds);
    }

    CraftedLldpdu systemName(byte[] name) {
        return tlv(5, name);
    }

    CraftedLldpdu systemName(String name) {
        return systemName(name.getBytes(StandardCharsets.UTF_8));
    }

    CraftedLldpdu end() {
        return tlv(0);
    }

    /** The frame, padded to the Ethernet minimum of 60 bytes. */
    byte[] frame() {
        byte[] f = out.toByteArray();
        return f.length >= 60 ? f : java.util.Arrays.copyOf(f, 60);
    }
}
