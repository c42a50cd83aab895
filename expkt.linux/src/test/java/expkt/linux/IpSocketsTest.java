package expkt.linux;

import expkt.lab.Lab;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IpSocketsTest {

    @Test
    void bindToDeviceRoundTripsAndUnknownDeviceIsNamed() throws Exception {
        try (Lab lab = Lab.builder().ports(0).build()) {
            String a = lab.namespace("a");
            String b = lab.namespace("b");
            lab.link(a, "xa0", b, "xb0");
            try (NetNs ns = NetNs.open(a)) {
                int fd = NetNs.call(ns, () -> IpSockets.socket(IpSockets.AF_INET, IpSockets.SOCK_DGRAM, 0));
                try {
                    assertEquals("", IpSockets.boundDevice(fd));
                    // the option resolves the name in the socket's own namespace, whatever thread calls it
                    IpSockets.bindToDevice(fd, "xa0");
                    assertEquals("xa0", IpSockets.boundDevice(fd));
                    LinuxException e = assertThrows(LinuxException.class, () -> IpSockets.bindToDevice(fd, "xk-nodev"));
                    assertTrue(e.getMessage().contains("xk-nodev"), e.getMessage());
                    assertEquals(Errno.ENODEV, e.errno());
                } finally {
                    Fds.close(fd);
                }
                assertEquals("veth", NetNs.call(ns, () -> IpSockets.driverName("xa0")));
                LinuxException nodev = assertThrows(LinuxException.class, () -> NetNs.call(ns, () -> IpSockets.driverName("xk-nodev")));
                assertEquals(Errno.ENODEV, nodev.errno());
                assertTrue(nodev.getMessage().contains("xk-nodev"), nodev.getMessage());
                List<String> names = NetNs.call(ns, IfNameIndex::list).stream().map(IfNameIndex.Interface::name).toList();
                assertEquals(List.of("lo", "xa0"), names);
            }
        }
    }

    @Test
    void rawIcmpEchoIsAnsweredByTheKernel() throws Exception {
        try (Lab lab = Lab.builder().ports(0).build()) {
            String a = lab.namespace("a");
            String b = lab.namespace("b");
            lab.link(a, "xa0", b, "xb0");
            lab.addr(a, "xa0", "10.9.0.1/24");
            lab.addr(b, "xb0", "10.9.0.2/24");
            try (NetNs ns = NetNs.open(a); Arena arena = Arena.ofConfined()) {
                int fd = NetNs.call(ns, () -> IpSockets.socket(IpSockets.AF_INET, IpSockets.SOCK_RAW, IpSockets.IPPROTO_ICMP));
                try {
                    byte[] icmp = {8, 0, 0, 0, 0x12, 0x34, 0, 1, 'x', 'k'};
                    int sum = 0;
                    for (int i = 0; i < icmp.length; i += 2) {
                        sum += ((icmp[i] & 0xff) << 8) | (i + 1 < icmp.length ? icmp[i + 1] & 0xff : 0);
                    }
                    sum = (sum & 0xffff) + (sum >>> 16);
                    sum = ~((sum & 0xffff) + (sum >>> 16)) & 0xffff;
                    icmp[2] = (byte) (sum >>> 8);
                    icmp[3] = (byte) sum;
                    MemorySegment sa = arena.allocate(IpSockets.SOCKADDR_STORAGE);
                    int len = IpSockets.writeSockaddr(sa, InetAddress.getByName("10.9.0.2"), 0);
                    assertEquals(icmp.length, IpSockets.sendTo(fd, MemorySegment.ofArray(icmp), icmp.length, 0, sa, len));
                    MemorySegment pfd = arena.allocate(8);
                    MemorySegment from = arena.allocate(IpSockets.SOCKADDR_STORAGE);
                    MemorySegment fromLen = arena.allocate(4);
                    byte[] buf = new byte[1500];
                    long deadline = System.nanoTime() + 3_000_000_000L;
                    boolean replied = false;
                    while (!replied && System.nanoTime() < deadline) {
                        if ((IpSockets.poll(pfd, fd, IpSockets.POLLIN, 200) & IpSockets.POLLIN) == 0) {
                            continue;
                        }
                        int n = IpSockets.recvFrom(fd, MemorySegment.ofArray(buf), buf.length, IpSockets.MSG_DONTWAIT, from, fromLen);
                        int ihl = (buf[0] & 0x0f) * 4;
                        replied = n > ihl + 8 && buf[ihl] == 0 && buf[ihl + 4] == 0x12 && buf[ihl + 5] == 0x34;
                        if (replied) {
                            assertEquals(InetAddress.getByName("10.9.0.2"), IpSockets.readSockaddr(from));
                        }
                    }
                    assertTrue(replied, "no ICMP echo reply from 10.9.0.2");
                } finally {
                    Fds.close(fd);
                }
            }
        }
    }
}
