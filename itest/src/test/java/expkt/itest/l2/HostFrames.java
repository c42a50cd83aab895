package expkt.itest.l2;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;

import expkt.lab.Lab;
import expkt.linux.Fds;
import expkt.linux.NetInterfaces;
import expkt.linux.NetNs;
import expkt.linux.PacketSockets;

/**
 * Frames from a peer on the wire: sent out of a lab host's {@code veth0} through a plain AF_PACKET
 * socket in that host's namespace (not through expkt), for the provider's ITs.
 *
 * <p>Threading: each call sends from a platform thread of its own (which enters the namespace) and
 * returns once every frame went out.
 */
final class HostFrames {
    private HostFrames() {
    }

    /** A frame of {@code length} bytes to 00:e0:2b:00:00:00 from 02:00:00:00:00:01 with {@code ethertype}, zeros after. */
    static byte[] frame(int ethertype, int length) {
        ByteBuffer b = ByteBuffer.allocate(length);
        b.put(new byte[] {0x00, (byte) 0xE0, 0x2B, 0, 0, 0}).put(new byte[] {2, 0, 0, 0, 0, 1}).putShort((short) ethertype);
        return b.array();
    }

    /** Sends {@code count} copies of {@code frame} out of host {@code host}'s veth0. */
    static void send(Lab lab, int host, byte[] frame, int count) throws Exception {
        send(lab.host(host).ns(), frame, count);
    }

    /** Sends {@code count} copies of {@code frame} out of the {@code veth0} of namespace {@code nsName} (any far host). */
    static void send(String nsName, byte[] frame, int count) throws Exception {
        try (NetNs ns = NetNs.open(nsName)) {
            Thread t = Thread.ofPlatform().start(() -> {
                try {
                    NetNs.call(ns, () -> {
                        int index = NetInterfaces.list().stream().filter(n -> n.name().equals("veth0")).findFirst().orElseThrow().index();
                        int fd = PacketSockets.open(0);
                        try (Arena a = Arena.ofConfined()) {
                            MemorySegment buf = a.allocate(frame.length);
                            MemorySegment.copy(frame, 0, buf, ValueLayout.JAVA_BYTE, 0, frame.length);
                            MemorySegment sll = a.allocate(PacketSockets.SOCKADDR_LL_SIZE, 8);
                            PacketSockets.writeSockaddrLl(sll, 0, ((frame[12] & 0xFF) << 8) | (frame[13] & 0xFF), index, 0);
                            for (int k = 0; k < count; k++) {
                                PacketSockets.sendto(fd, buf, frame.length, sll, 0);
                            }
                        } finally {
                            Fds.closeQuietly(fd);
                        }
                        return null;
                    });
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            t.join();
        }
    }
}
