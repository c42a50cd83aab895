package expkt.api.packet;

/** Linux {@code sll_pkttype} of a received frame. */
public enum PacketType {
    HOST, BROADCAST, MULTICAST, OTHERHOST, OUTGOING, LOOPBACK, USER, KERNEL, UNKNOWN;

    private static final PacketType[] BY_CODE = {HOST, BROADCAST, MULTICAST, OTHERHOST, OUTGOING, LOOPBACK, USER, KERNEL};

    /** From the kernel's PACKET_* code; unknown codes map to {@link #UNKNOWN} (no allocation). */
    public static PacketType ofCode(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : UNKNOWN;
    }
}
