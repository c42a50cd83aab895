package expkt.testkit;

import expkt.api.net.SlotPort;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * One frame a handler sent through the harness's {@link expkt.api.handler.PacketSender}: the bytes
 * as given, when (the harness clock), and where — the ports of {@code sendto(frame, ports)}, or the
 * VLAN of {@code sendto(frame, vlan)} with its member ports and which of them get it tagged.
 *
 * @param atNanos   the harness clock (epoch nanoseconds) when it was sent
 * @param frame     the frame as the handler passed it (a copy)
 * @param vlan      the VLAN name, or null when sent to ports
 * @param ports     the ports it leaves through: the given ones, or the VLAN's members (sorted)
 * @param tagged    the ports on which it leaves with the VLAN's 802.1Q tag (empty when sent to ports)
 * @param vlanTag   the VLAN's tag, or -1 when sent to ports
 */
public record SentFrame(long atNanos, byte[] frame, String vlan, List<SlotPort> ports, Set<SlotPort> tagged, int vlanTag) {
    public SentFrame {
        frame = frame.clone();
        ports = List.copyOf(ports);
        tagged = Set.copyOf(tagged);
    }

    @Override
    public byte[] frame() {
        return frame.clone();
    }

    /** True when sent into a VLAN. */
    public boolean toVlan() {
        return vlan != null;
    }

    /** The EtherType of the frame as sent (bytes 12..13). */
    public int etherType() {
        return frame.length < 14 ? -1 : ((frame[12] & 0xFF) << 8) | (frame[13] & 0xFF);
    }

    /**
     * The bytes that leave through {@code port}: the frame, with the VLAN's 802.1Q tag inserted
     * after the source MAC if {@code port} is a tagged member.
     *
     * @throws IllegalArgumentException if the frame does not leave through {@code port}
     */
    public byte[] onWire(SlotPort port) {
        if (!ports.contains(port)) {
            throw new IllegalArgumentException("frame was sent to " + ports + ", not to " + port);
        }
        if (!tagged.contains(port)) {
            return frame.clone();
        }
        byte[] out = new byte[frame.length + 4];
        System.arraycopy(frame, 0, out, 0, 12);
        out[12] = (byte) 0x81;
        out[13] = 0x00;
        out[14] = (byte) (vlanTag >>> 8);
        out[15] = (byte) vlanTag;
        System.arraycopy(frame, 12, out, 16, frame.length - 12);
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SentFrame s && atNanos == s.atNanos && vlanTag == s.vlanTag && Arrays.equals(frame, s.frame)
                && java.util.Objects.equals(vlan, s.vlan) && ports.equals(s.ports) && tagged.equals(s.tagged);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(frame) * 31 + ports.hashCode();
    }

    @Override
    public String toString() {
        return "SentFrame[" + (vlan != null ? "vlan " + vlan + " " : "") + "ports " + ports + " " + frame.length + " bytes "
                + HexFormat.of().formatHex(frame, 0, Math.min(frame.length, 32)) + (frame.length > 32 ? "..." : "") + "]";
    }
}
