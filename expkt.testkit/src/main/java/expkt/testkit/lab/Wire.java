package expkt.testkit.lab;

import expkt.lab.Lab;
import expkt.linux.Fds;
import expkt.linux.NetInterfaces;
import expkt.linux.NetNs;
import expkt.linux.PacketSockets;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The far end of a lab link, for tests: a plain AF_PACKET socket on a host namespace's veth0 that
 * sends frames into the switch port and collects what arrives (incoming frames only). Independent of
 * the provider's code (no ring, no filters, no model), so what it sees is what was on the wire: the
 * kernel takes an 802.1Q/802.1ad tag off a received frame before any socket sees it, so
 * {@link #drain} reads the tag from {@code PACKET_AUXDATA} and puts it back, as libpcap does.
 *
 * <p>Threading: one thread sends and drains at a time; {@link #close()} once, after the last use.
 */
public final class Wire implements AutoCloseable {
    private final int fd;
    private final int ifIndex;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment buf = arena.allocate(65536, 8);
    private final MemorySegment sll = arena.allocate(PacketSockets.SOCKADDR_LL_SIZE, 8);
    private final MemorySegment pollfd = arena.allocate(PacketSockets.POLLFD_SIZE, 8);
    // recvmsg(2) with PACKET_AUXDATA: struct msghdr, one iovec, and room for the tpacket_auxdata cmsg
    // (LP64 layouts, the same on x86-64 and aarch64)
    private final MemorySegment msg = arena.allocate(MSGHDR_SIZE, 8);
    private final MemorySegment iov = arena.allocate(16, 8);
    private final MemorySegment control = arena.allocate(CONTROL_SIZE, 8);

    private static final long MSGHDR_SIZE = 56;
    private static final long CONTROL_SIZE = 64;
    private static final int TP_STATUS_VLAN_VALID = 0x10;
    private static final int TP_STATUS_VLAN_TPID_VALID = 0x40;
    private static final MethodHandle RECVMSG = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("recvmsg").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

    private Wire(int fd, int ifIndex) {
        this.fd = fd;
        this.ifIndex = ifIndex;
    }

    /** A socket on host {@code i}'s veth0 (host {@code i} is on switch port 1:i). */
    public static Wire host(Lab lab, int i) throws Exception {
        return host(lab.host(i));
    }

    /** A socket on {@code host}'s veth0 (any topology's far host, e.g. {@code VrDataPlane.hostsA()}). */
    public static Wire host(expkt.lab.Host host) throws Exception {
        try (NetNs ns = NetNs.open(host.ns())) {
            return NetNs.call(ns, () -> {
                int index = NetInterfaces.list().stream().filter(n -> n.name().equals("veth0")).findFirst().orElseThrow().index();
                int fd = PacketSockets.open(0);
                PacketSockets.setInt(fd, PacketSockets.SOL_PACKET, PacketSockets.PACKET_IGNORE_OUTGOING, 1, "PACKET_IGNORE_OUTGOING");
                PacketSockets.setInt(fd, PacketSockets.SOL_PACKET, PacketSockets.PACKET_AUXDATA, 1, "PACKET_AUXDATA");
                PacketSockets.bind(fd, PacketSockets.ETH_P_ALL, index);
                return new Wire(fd, index);
            });
        }
    }

    /** Sends {@code frame} (a whole Ethernet frame, tagged or not) out of the host's veth0 into its switch port. */
    public void send(byte[] frame) throws Exception {
        MemorySegment.copy(frame, 0, buf, ValueLayout.JAVA_BYTE, 0, frame.length);
        int et = ((frame[12] & 0xFF) << 8) | (frame[13] & 0xFF);
        PacketSockets.writeSockaddrLl(sll, 0, et, ifIndex, 0);
        PacketSockets.sendto(fd, buf, frame.length, sll, 0);
    }

    /**
     * Every frame that arrives until none came for {@code quietMillis}, each as it was on the wire
     * (a VLAN tag the kernel took off is back in place).
     */
    public List<byte[]> drain(int quietMillis) throws Exception {
        List<byte[]> out = new ArrayList<>();
        while (PacketSockets.poll(pollfd, fd, PacketSockets.POLLIN, quietMillis) != 0) {
            byte[] frame = receive();
            if (frame != null) {
                out.add(frame);
            }
        }
        return out;
    }

    /** One frame by recvmsg(2), its tag re-inserted from the auxdata; null if none was waiting. */
    private byte[] receive() throws Exception {
        iov.set(ValueLayout.ADDRESS, 0, buf);
        iov.set(ValueLayout.JAVA_LONG, 8, buf.byteSize());
        msg.fill((byte) 0);
        msg.set(ValueLayout.ADDRESS, 16, iov);          // msg_iov
        msg.set(ValueLayout.JAVA_LONG, 24, 1L);         // msg_iovlen
        msg.set(ValueLayout.ADDRESS, 32, control);      // msg_control
        msg.set(ValueLayout.JAVA_LONG, 40, CONTROL_SIZE); // msg_controllen
        long n;
        try {
            n = (long) RECVMSG.invokeExact(fd, msg, PacketSockets.MSG_DONTWAIT);
        } catch (Exception | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("recvmsg on AF_PACKET fd " + fd, t);
        }
        if (n <= 0) {
            return null;
        }
        byte[] frame = buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
        long controlLen = msg.get(ValueLayout.JAVA_LONG, 40);
        // cmsghdr: cmsg_len (8), cmsg_level (4), cmsg_type (4), then struct tpacket_auxdata:
        // tp_status, tp_len, tp_snaplen (4 each), tp_mac, tp_net, tp_vlan_tci, tp_vlan_tpid (2 each)
        for (long off = 0; off + 16 <= controlLen; ) {
            long len = control.get(ValueLayout.JAVA_LONG, off);
            if (len < 16) {
                break;
            }
            int level = control.get(ValueLayout.JAVA_INT, off + 8);
            int type = control.get(ValueLayout.JAVA_INT, off + 12);
            if (level == PacketSockets.SOL_PACKET && type == PacketSockets.PACKET_AUXDATA && len >= 16 + 20) {
                int status = control.get(ValueLayout.JAVA_INT, off + 16);
                int tci = control.get(ValueLayout.JAVA_SHORT, off + 16 + 16) & 0xFFFF;
                int tpid = control.get(ValueLayout.JAVA_SHORT, off + 16 + 18) & 0xFFFF;
                if ((status & TP_STATUS_VLAN_VALID) != 0 && frame.length >= 12) {
                    if ((status & TP_STATUS_VLAN_TPID_VALID) == 0) {
                        tpid = PacketSockets.ETH_P_8021Q;
                    }
                    byte[] tagged = new byte[frame.length + 4];
                    System.arraycopy(frame, 0, tagged, 0, 12);
                    tagged[12] = (byte) (tpid >> 8);
                    tagged[13] = (byte) tpid;
                    tagged[14] = (byte) (tci >> 8);
                    tagged[15] = (byte) tci;
                    System.arraycopy(frame, 12, tagged, 16, frame.length - 12);
                    return tagged;
                }
            }
            off += (len + 7) & ~7L;
        }
        return frame;
    }

    /** Frames of {@code list} with this ethertype at offset 12. */
    public static List<byte[]> withEthertype(List<byte[]> list, int ethertype) {
        return list.stream().filter(f -> f.length >= 14 && (((f[12] & 0xFF) << 8) | (f[13] & 0xFF)) == ethertype).toList();
    }

    @Override
    public void close() {
        Fds.closeQuietly(fd);
        arena.close();
    }

    /** An Ethernet frame of {@code totalLength} bytes: dst, src, ethertype, then a counting payload. */
    public static byte[] frame(String dst, String src, int ethertype, int totalLength) {
        ByteBuffer b = ByteBuffer.allocate(totalLength);
        b.put(mac(dst)).put(mac(src)).putShort((short) ethertype);
        for (int i = 14; i < totalLength; i++) {
            b.put((byte) i);
        }
        return b.array();
    }

    /** An 802.1Q-tagged frame: dst, src, 0x8100, vid, ethertype, payload. */
    public static byte[] tagged(String dst, String src, int vid, int ethertype, int totalLength) {
        ByteBuffer b = ByteBuffer.allocate(totalLength);
        b.put(mac(dst)).put(mac(src)).putShort((short) 0x8100).putShort((short) vid).putShort((short) ethertype);
        for (int i = 18; i < totalLength; i++) {
            b.put((byte) i);
        }
        return b.array();
    }

    public static byte[] mac(String text) {
        return HexFormat.of().parseHex(text.replace(":", "").toLowerCase());
    }
}
