package expkt.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * AF_INET/AF_INET6 sockets made with socket(2) (raw IP sockets above all), and the socket options
 * the JDK does not offer (SO_BINDTODEVICE, IP_HDRINCL).
 *
 * <p>Threading: every method is a plain system call on an fd and may be called from any thread.
 * {@link #sendTo} and {@link #recvFrom} are "critical" downcalls: they accept heap segments (a
 * {@code byte[]} wrapped by {@link MemorySegment#ofArray}) without a copy, so they must never block —
 * {@code recvFrom} is only called with {@link #MSG_DONTWAIT} after {@link #poll} said data is there.
 * The address segments passed in are the caller's: a socket keeps one per direction and reuses it,
 * so the send/receive path allocates nothing.
 */
public final class IpSockets {
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_RAW = 3;
    public static final int SOCK_CLOEXEC = 0x80000;

    public static final int SOL_SOCKET = 1;
    public static final int SO_RCVBUF = 8;
    public static final int SO_BINDTODEVICE = 25;
    public static final int IPPROTO_IP = 0;
    public static final int IPPROTO_ICMP = 1;
    public static final int IPPROTO_IPV6 = 41;
    public static final int IPPROTO_ICMPV6 = 58;
    public static final int IPPROTO_RAW = 255;
    public static final int IP_HDRINCL = 3;
    public static final int IPV6_HDRINCL = 36;

    public static final int MSG_DONTWAIT = 0x40;
    public static final int POLLIN = 0x1;
    public static final int POLLOUT = 0x4;

    /** Bytes of a {@code struct sockaddr_storage}: big enough for either family. */
    public static final long SOCKADDR_STORAGE = StructLayouts.size("struct sockaddr_storage");
    private static final int SIN_SIZE = StructLayouts.size("struct sockaddr_in");
    private static final int SIN_FAMILY = StructLayouts.offset("struct sockaddr_in", "sin_family");
    private static final int SIN_PORT = StructLayouts.offset("struct sockaddr_in", "sin_port");
    private static final int SIN_ADDR = StructLayouts.offset("struct sockaddr_in", "sin_addr");
    private static final int SIN6_SIZE = StructLayouts.size("struct sockaddr_in6");
    private static final int SIN6_FAMILY = StructLayouts.offset("struct sockaddr_in6", "sin6_family");
    private static final int SIN6_PORT = StructLayouts.offset("struct sockaddr_in6", "sin6_port");
    private static final int SIN6_ADDR = StructLayouts.offset("struct sockaddr_in6", "sin6_addr");
    private static final int SIN6_SCOPE_ID = StructLayouts.offset("struct sockaddr_in6", "sin6_scope_id");
    private static final int IFREQ_SIZE = StructLayouts.size("struct ifreq");
    private static final int IFR_DATA = StructLayouts.offset("struct ifreq", "ifr_data");
    private static final int DRVINFO_CMD = StructLayouts.offset("struct ethtool_drvinfo", "cmd");
    private static final int DRVINFO_DRIVER = StructLayouts.offset("struct ethtool_drvinfo", "driver");
    private static final int IFNAMSIZ = 16;

    private static final ValueLayout.OfShort BE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private static final MethodHandle SENDTO = Native.LINKER.downcallHandle(Native.LIBC.find("sendto").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
            Linker.Option.captureCallState("errno"), Linker.Option.critical(true));
    private static final MethodHandle RECVFROM = Native.LINKER.downcallHandle(Native.LIBC.find("recvfrom").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS),
            Linker.Option.captureCallState("errno"), Linker.Option.critical(true));

    /** ioctl(int, unsigned long, ...) is variadic: the pointer is its first variadic argument. */
    private static final MethodHandle IOCTL_PTR = Native.LINKER.downcallHandle(Native.LIBC.find("ioctl").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS),
            Linker.Option.captureCallState("errno"), Linker.Option.firstVariadicArg(2));
    private static final long SIOCETHTOOL = 0x8946;
    private static final int ETHTOOL_GDRVINFO = 0x3;
    /** struct ethtool_drvinfo: cmd, driver[32], version[32], fw_version[32], bus_info[32], erom_version[32], reserved2[12], 5 x u32. */
    private static final long DRVINFO_SIZE = StructLayouts.size("struct ethtool_drvinfo");

    private IpSockets() {
    }

    /**
     * The driver of interface {@code ifName} in the calling thread's network namespace, as ethtool
     * reports it ({@code "vrf"} for a VRF device, {@code "veth"}, ...). Asked over an ioctl on a
     * throwaway socket, so inside {@link NetNs#call} it sees that namespace (sysfs would show the
     * namespace it was mounted in). An unknown interface gives {@link LinuxException} ENODEV.
     */
    public static String driverName(String ifName) throws LinuxException {
        byte[] name = ifName.getBytes(StandardCharsets.US_ASCII);
        if (name.length == 0 || name.length >= IFNAMSIZ) {
            throw new IllegalArgumentException("interface name \"" + ifName + "\" must be 1.." + (IFNAMSIZ - 1) + " bytes");
        }
        int fd = socket(AF_INET, SOCK_DGRAM, 0);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = arena.allocate(DRVINFO_SIZE, 8);
            info.set(ValueLayout.JAVA_INT, DRVINFO_CMD, ETHTOOL_GDRVINFO);
            MemorySegment ifr = arena.allocate(IFREQ_SIZE, 8); // struct ifreq: name[16] + union (ifr_data pointer)
            MemorySegment.copy(name, 0, ifr, ValueLayout.JAVA_BYTE, 0, name.length);
            ifr.set(ValueLayout.ADDRESS, IFR_DATA, info);
            MemorySegment state = Native.callState();
            int rc = (int) IOCTL_PTR.invokeExact(state, fd, SIOCETHTOOL, ifr);
            if (rc < 0) {
                throw new LinuxException("ioctl(SIOCETHTOOL GDRVINFO, \"" + ifName + "\")", Native.errno(state));
            }
            return info.getString(DRVINFO_DRIVER, StandardCharsets.US_ASCII);
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        } finally {
            Fds.closeQuietly(fd);
        }
    }

    /** socket(2) with SOCK_CLOEXEC; the error names domain, type and protocol. */
    public static int socket(int domain, int type, int protocol) throws LinuxException {
        return Sockets.socket(domain, type, protocol, "socket(" + domain + ", " + type + ", " + protocol + ")");
    }

    /** setsockopt(2) with an int value. */
    public static void setInt(int fd, int level, int option, int value) throws LinuxException {
        Sockets.setInt(fd, level, option, value, "level " + level + ", option " + option + ", " + value);
    }

    /** getsockopt(2) of an int value. */
    public static int getInt(int fd, int level, int option) throws LinuxException {
        return Sockets.getInt(fd, level, option, "level " + level + ", option " + option);
    }

    /**
     * SO_BINDTODEVICE: the socket sends and receives only through {@code device} (for a VRF device:
     * only in that VRF). An empty name unbinds. The error names the device.
     */
    public static void bindToDevice(int fd, String device) throws LinuxException {
        byte[] name = device.getBytes(StandardCharsets.US_ASCII);
        if (name.length >= IFNAMSIZ) {
            throw new IllegalArgumentException("interface name \"" + device + "\" is longer than " + (IFNAMSIZ - 1) + " bytes");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(IFNAMSIZ);
            MemorySegment.copy(name, 0, v, ValueLayout.JAVA_BYTE, 0, name.length);
            Sockets.setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, v, name.length == 0 ? 0 : IFNAMSIZ,
                    "SO_BINDTODEVICE, \"" + device + "\"");
        }
    }

    /** The device the socket is bound to with SO_BINDTODEVICE, or "" when none. */
    public static String boundDevice(int fd) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(IFNAMSIZ);
            MemorySegment len = arena.allocateFrom(ValueLayout.JAVA_INT, IFNAMSIZ);
            Sockets.getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, v, len, "SO_BINDTODEVICE");
            return len.get(ValueLayout.JAVA_INT, 0) == 0 ? "" : v.getString(0, StandardCharsets.US_ASCII);
        }
    }

    /** bind(2) to a local address and port (port 0 for raw sockets). */
    public static void bind(int fd, InetAddress address, int port) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sa = arena.allocate(SOCKADDR_STORAGE);
            int len = writeSockaddr(sa, address, port);
            Sockets.bind(fd, sa, len, "bind(fd " + fd + ", " + address.getHostAddress() + ", " + port + ")");
        }
    }

    /**
     * Writes a {@code sockaddr_in}/{@code sockaddr_in6} for {@code address}:{@code port} into
     * {@code sa} and returns its length. Allocates nothing.
     */
    public static int writeSockaddr(MemorySegment sa, InetAddress address, int port) {
        sa.asSlice(0, SIN6_SIZE).fill((byte) 0);
        if (address instanceof Inet4Address) {
            sa.set(ValueLayout.JAVA_SHORT, SIN_FAMILY, (short) AF_INET);
            sa.set(BE_SHORT, SIN_PORT, (short) port);
            byte[] a = address.getAddress();
            MemorySegment.copy(a, 0, sa, ValueLayout.JAVA_BYTE, SIN_ADDR, 4);
            return SIN_SIZE;
        }
        if (address instanceof Inet6Address v6) {
            sa.set(ValueLayout.JAVA_SHORT, SIN6_FAMILY, (short) AF_INET6);
            sa.set(BE_SHORT, SIN6_PORT, (short) port);
            byte[] a = address.getAddress();
            MemorySegment.copy(a, 0, sa, ValueLayout.JAVA_BYTE, SIN6_ADDR, 16);
            sa.set(ValueLayout.JAVA_INT_UNALIGNED, SIN6_SCOPE_ID, v6.getScopeId());
            return SIN6_SIZE;
        }
        throw new IllegalArgumentException("address " + address + " is neither IPv4 nor IPv6");
    }

    /** The address in a {@code sockaddr_in}/{@code sockaddr_in6} (allocates the InetAddress). */
    public static InetAddress readSockaddr(MemorySegment sa) {
        int family = Short.toUnsignedInt(sa.get(ValueLayout.JAVA_SHORT, SIN_FAMILY));
        try {
            if (family == AF_INET) {
                byte[] a = new byte[4];
                MemorySegment.copy(sa, ValueLayout.JAVA_BYTE, SIN_ADDR, a, 0, 4);
                return InetAddress.getByAddress(a);
            }
            if (family == AF_INET6) {
                byte[] a = new byte[16];
                MemorySegment.copy(sa, ValueLayout.JAVA_BYTE, SIN6_ADDR, a, 0, 16);
                return InetAddress.getByAddress(a);
            }
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
        return null;
    }

    /**
     * sendto(2) of {@code length} bytes of {@code data} (native or heap) to the address in
     * {@code sa} ({@code saLen} bytes). Returns the bytes sent; failure raises naming the fd.
     */
    public static int sendTo(int fd, MemorySegment data, long length, int flags, MemorySegment sa, int saLen) throws LinuxException {
        try {
            MemorySegment state = Native.callState();
            long n = (long) SENDTO.invokeExact(state, fd, data, length, flags, sa, saLen);
            if (n < 0) {
                throw new LinuxException("sendto(fd " + fd + ", " + length + " bytes)", Native.errno(state));
            }
            return (int) n;
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /**
     * recvfrom(2) into {@code data}; the sender's address goes into {@code sa} (with
     * {@code saLen}, a 4-byte segment, set to its size first). Returns the bytes received, or
     * {@code -EAGAIN} when nothing is waiting (with {@link #MSG_DONTWAIT}). Other failures raise.
     */
    public static int recvFrom(int fd, MemorySegment data, long length, int flags, MemorySegment sa, MemorySegment saLen)
            throws LinuxException {
        try {
            saLen.set(ValueLayout.JAVA_INT, 0, (int) SOCKADDR_STORAGE);
            MemorySegment state = Native.callState();
            long n = (long) RECVFROM.invokeExact(state, fd, data, length, flags, sa, saLen);
            if (n < 0) {
                int errno = Native.errno(state);
                if (errno == Errno.EAGAIN || errno == Errno.EINTR) {
                    return -Errno.EAGAIN;
                }
                throw new LinuxException("recvfrom(fd " + fd + ")", errno);
            }
            return (int) n;
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /**
     * poll(2) on one fd, using {@code pollfd} (an 8-byte segment the caller keeps). Returns the
     * revents, 0 on timeout or EINTR.
     */
    public static int poll(MemorySegment pollfd, int fd, int events, int timeoutMillis) throws LinuxException {
        return Sockets.poll(pollfd, fd, events, timeoutMillis);
    }

    /** {@code SO_MEMINFO}: the socket's memory counters (u32[9]); index 0 is the receive queue's allocation. */
    public static final int SO_MEMINFO = 55;
    /** Bytes of the {@code SO_MEMINFO} answer a caller's {@code meminfo} segment must hold. */
    public static final int MEMINFO_SIZE = 9 * 4;

    /**
     * The bytes the socket's receive queue holds now (SO_MEMINFO's SK_MEMINFO_RMEM_ALLOC, buffer
     * truesize): it falls when the application reads. {@code meminfo} ({@link #MEMINFO_SIZE} bytes) and
     * {@code len} (4 bytes) are caller-owned, so nothing is allocated.
     */
    public static int receiveQueueBytes(int fd, MemorySegment meminfo, MemorySegment len) throws LinuxException {
        len.set(java.lang.foreign.ValueLayout.JAVA_INT, 0, MEMINFO_SIZE);
        Sockets.getsockopt(fd, SOL_SOCKET, SO_MEMINFO, meminfo, len, "SO_MEMINFO");
        return meminfo.get(java.lang.foreign.ValueLayout.JAVA_INT, 0);
    }
}
