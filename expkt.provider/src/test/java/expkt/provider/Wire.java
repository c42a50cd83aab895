package expkt.provider;

import expkt.lab.Lab;
import expkt.linux.Fds;
import expkt.linux.NetInterfaces;
import expkt.linux.NetNs;
import expkt.linux.PacketSockets;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The far end of a lab link, for tests: a plain AF_PACKET socket on a host namespace's veth0 that
 * sends frames into the switch port and collects what arrives (incoming frames only). Independent of
 * the provider's code (no ring, no filters, no model).
 */
final class Wire implements AutoCloseable {
    private final int fd;
    private final int ifIndex;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment buf = arena.allocate(65536, 8);
    private final MemorySegment sll = arena.allocate(PacketSockets.SOCKADDR_LL_SIZE, 8);
    private final MemorySegment pollfd = arena.allocate(PacketSockets.POLLFD_SIZE, 8);

    private Wire(int fd, int ifIndex) {
        this.fd = fd;
        this.ifIndex = ifIndex;
    }

    /** A socket on host {@code i}'s veth0. */
    static Wire host(Lab lab, int i) throws Exception {
        return on(lab.host(i).ns());
    }

    /** A socket on the veth0 of namespace {@code nsName} (a far host of any topology). */
    static Wire on(String nsName) throws Exception {
        try (NetNs ns = NetNs.open(nsName)) {
            return NetNs.call(ns, () -> {
                int index = NetInterfaces.list().stream().filter(n -> n.name().equals("veth0")).findFirst().orElseThrow().index();
                int fd = PacketSockets.open(0);
                PacketSockets.setInt(fd, PacketSockets.SOL_PACKET, PacketSockets.PACKET_IGNORE_OUTGOING, 1, "PACKET_IGNORE_OUTGOING");
                PacketSockets.bind(fd, PacketSockets.ETH_P_ALL, index);
                return new Wire(fd, index);
            });
        }
    }

    void send(byte[] frame) throws Exception {
        MemorySegment.copy(frame, 0, buf, ValueLayout.JAVA_BYTE, 0, frame.length);
        int et = ((frame[12] & 0xFF) << 8) | (frame[13] & 0xFF);
        PacketSockets.writeSockaddrLl(sll, 0, et, ifIndex, 0);
        PacketSockets.sendto(fd, buf, frame.length, sll, 0);
    }

    /** Every frame that arrives until none came for {@code quietMillis}. */
    List<byte[]> drain(int quietMillis) throws Exception {
        List<byte[]> out = new ArrayList<>();
        while (PacketSockets.poll(pollfd, fd, PacketSockets.POLLIN, quietMillis) != 0) {
            long n = PacketSockets.recv(fd, buf, PacketSockets.MSG_DONTWAIT);
            if (n > 0) {
                out.add(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
            }
        }
        return out;
    }

    /** Frames of {@code list} with this ethertype at offset 12. */
    static List<byte[]> withEthertype(List<byte[]> list, int ethertype) {
        return list.stream().filter(f -> f.length >= 14 && (((f[12] & 0xFF) << 8) | (f[13] & 0xFF)) == ethertype).toList();
    }

    @Override
    public void close() {
        Fds.closeQuietly(fd);
        arena.close();
    }

    /** An Ethernet frame of {@code totalLength} bytes: dst, src, ethertype, then a counting payload. */
    static byte[] frame(String dst, String src, int ethertype, int totalLength) {
        ByteBuffer b = ByteBuffer.allocate(totalLength);
        b.put(mac(dst)).put(mac(src)).putShort((short) ethertype);
        for (int i = 14; i < totalLength; i++) {
            b.put((byte) i);
        }
        return b.array();
    }

    /** An 802.1Q-tagged frame: dst, src, 0x8100, vid, ethertype, payload. */
    static byte[] tagged(String dst, String src, int vid, int ethertype, int totalLength) {
        ByteBuffer b = ByteBuffer.allocate(totalLength);
        b.put(mac(dst)).put(mac(src)).putShort((short) 0x8100).putShort((short) vid).putShort((short) ethertype);
        for (int i = 18; i < totalLength; i++) {
            b.put((byte) i);
        }
        return b.array();
    }

    static byte[] mac(String text) {
        return HexFormat.of().parseHex(text.replace(":", "").toLowerCase());
    }
}
