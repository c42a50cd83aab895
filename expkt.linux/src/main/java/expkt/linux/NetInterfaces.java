package expkt.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The network interfaces of the calling thread's namespace: {@code if_nameindex(3)} plus the
 * {@code SIOCGIF*} and {@code SIOCETHTOOL} ioctls for each one's MAC, MTU, flags and driver. Call it
 * inside the namespace of interest ({@link NetNs#call}, {@link NetNsThread#call}).
 */
public final class NetInterfaces {
    public static final int ARPHRD_ETHER = 1;
    public static final int ARPHRD_LOOPBACK = 772;
    public static final int IFF_UP = 0x1;
    public static final int IFF_LOOPBACK = 0x8;
    public static final int IFF_RUNNING = 0x40;

    private static final long SIOCGIFFLAGS = 0x8913;
    private static final long SIOCGIFMTU = 0x8921;
    private static final long SIOCGIFHWADDR = 0x8927;
    private static final long SIOCETHTOOL = 0x8946;
    private static final int ETHTOOL_GDRVINFO = 0x3;
    private static final int IFREQ_SIZE = StructLayouts.size("struct ifreq");
    private static final int IFR_FLAGS = StructLayouts.offset("struct ifreq", "ifr_flags");
    private static final int IFR_MTU = StructLayouts.offset("struct ifreq", "ifr_mtu");
    private static final int IFR_DATA = StructLayouts.offset("struct ifreq", "ifr_data");
    private static final int IFR_HWADDR_FAMILY = StructLayouts.offset("struct ifreq", "ifr_hwaddr.sa_family");
    private static final int IFR_HWADDR_DATA = StructLayouts.offset("struct ifreq", "ifr_hwaddr.sa_data");
    private static final int DRVINFO_SIZE = StructLayouts.size("struct ethtool_drvinfo");
    private static final int DRVINFO_CMD = StructLayouts.offset("struct ethtool_drvinfo", "cmd");
    private static final int DRVINFO_DRIVER = StructLayouts.offset("struct ethtool_drvinfo", "driver");
    private static final int NAMEINDEX_SIZE = StructLayouts.size("struct if_nameindex");
    private static final int NAMEINDEX_INDEX = StructLayouts.offset("struct if_nameindex", "if_index");
    private static final int NAMEINDEX_NAME = StructLayouts.offset("struct if_nameindex", "if_name");
    private static final int SOCK_DGRAM = 2;

    private static final MethodHandle IF_NAMEINDEX = Native.downcallErrno("if_nameindex",
            FunctionDescriptor.of(ValueLayout.ADDRESS));
    private static final MethodHandle IF_FREENAMEINDEX = Native.downcall("if_freenameindex",
            FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
    private static final MethodHandle IOCTL = Native.LINKER.downcallHandle(
            Native.LIBC.find("ioctl").orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol ioctl")),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS),
            Linker.Option.captureCallState("errno"), Linker.Option.firstVariadicArg(2));

    private NetInterfaces() {
    }

    /**
     * One interface.
     *
     * @param name kernel name
     * @param index ifindex in its namespace
     * @param mac hardware address in the low 48 bits (0 if it has none)
     * @param hardwareType ARPHRD_* type
     * @param mtu MTU
     * @param flags IFF_* flags
     * @param driver ethtool driver name ("veth", "bridge", ...), empty if the device has none
     */
    public record NetInterface(String name, int index, long mac, int hardwareType, int mtu, int flags, String driver) {
        public boolean isLoopback() {
            return (flags & IFF_LOOPBACK) != 0 || hardwareType == ARPHRD_LOOPBACK;
        }

        public boolean isBridge() {
            return "bridge".equals(driver);
        }

        public boolean isUp() {
            return (flags & IFF_UP) != 0;
        }
    }

    /** Every interface of the calling thread's namespace, in ifindex order. */
    public static List<NetInterface> list() throws LinuxException {
        List<String> names = new ArrayList<>();
        List<Integer> indexes = new ArrayList<>();
        try {
            MemorySegment state = Native.callState();
            MemorySegment array = (MemorySegment) IF_NAMEINDEX.invokeExact(state);
            if (array.address() == 0) {
                throw new LinuxException("if_nameindex()", Native.errno(state));
            }
            try {
                // struct if_nameindex { unsigned int if_index; char *if_name; } terminated by {0, NULL}
                MemorySegment entries = array.reinterpret(Long.MAX_VALUE);
                for (long o = 0; ; o += NAMEINDEX_SIZE) {
                    int index = entries.get(ValueLayout.JAVA_INT, o + NAMEINDEX_INDEX);
                    MemorySegment name = entries.get(ValueLayout.ADDRESS, o + NAMEINDEX_NAME);
                    if (index == 0 && name.address() == 0) {
                        break;
                    }
                    indexes.add(index);
                    names.add(name.reinterpret(64).getString(0));
                }
            } finally {
                IF_FREENAMEINDEX.invokeExact(array);
            }
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        int fd = ioctlSocket();
        try (Arena arena = Arena.ofConfined()) {
            List<NetInterface> out = new ArrayList<>(names.size());
            MemorySegment ifr = arena.allocate(IFREQ_SIZE, 8);
            MemorySegment drv = arena.allocate(DRVINFO_SIZE, 8);
            for (int i = 0; i < names.size(); i++) {
                String name = names.get(i);
                ifreq(ifr, name);
                if (!ioctl(fd, SIOCGIFFLAGS, ifr)) {
                    continue; // vanished between the listing and now
                }
                int flags = ifr.get(ValueLayout.JAVA_SHORT, IFR_FLAGS) & 0xFFFF;
                ifreq(ifr, name);
                ioctl(fd, SIOCGIFMTU, ifr);
                int mtu = ifr.get(ValueLayout.JAVA_INT, IFR_MTU);
                ifreq(ifr, name);
                ioctl(fd, SIOCGIFHWADDR, ifr);
                int hwType = ifr.get(ValueLayout.JAVA_SHORT, IFR_HWADDR_FAMILY) & 0xFFFF;
                long mac = 0;
                for (int b = 0; b < 6; b++) {
                    mac = (mac << 8) | (ifr.get(ValueLayout.JAVA_BYTE, IFR_HWADDR_DATA + b) & 0xFF);
                }
                drv.fill((byte) 0);
                drv.set(ValueLayout.JAVA_INT, DRVINFO_CMD, ETHTOOL_GDRVINFO);
                ifreq(ifr, name);
                ifr.set(ValueLayout.ADDRESS, IFR_DATA, drv);
                String driver = ioctl(fd, SIOCETHTOOL, ifr) ? drv.getString(DRVINFO_DRIVER) : "";
                out.add(new NetInterface(name, indexes.get(i), mac, hwType, mtu, flags, driver));
            }
            out.sort(Comparator.comparingInt(NetInterface::index));
            return out;
        } finally {
            Fds.closeQuietly(fd);
        }
    }

    private static void ifreq(MemorySegment ifr, String name) {
        ifr.fill((byte) 0);
        byte[] b = name.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        MemorySegment.copy(b, 0, ifr, ValueLayout.JAVA_BYTE, 0, Math.min(b.length, 15));
    }

    private static int ioctlSocket() throws LinuxException {
        // an AF_PACKET datagram socket answers the device ioctls without needing IP in the namespace
        return Sockets.socket(PacketSockets.AF_PACKET, SOCK_DGRAM, 0, "socket(AF_PACKET, SOCK_DGRAM, 0) for interface ioctls");
    }

    private static boolean ioctl(int fd, long request, MemorySegment arg) {
        try {
            MemorySegment state = Native.callState();
            int rc = (int) IOCTL.invokeExact(state, fd, request, arg);
            return rc >= 0;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }
}
