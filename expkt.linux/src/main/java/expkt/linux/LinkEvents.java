package expkt.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Link notifications from the kernel: an rtnetlink socket ({@code AF_NETLINK}, {@code NETLINK_ROUTE})
 * subscribed to {@code RTNLGRP_LINK}, which the kernel sends an {@code RTM_NEWLINK} to whenever an
 * interface of the namespace changes (MTU, flags, operational state, name, address) and an
 * {@code RTM_DELLINK} when one goes. Made in the calling thread's network namespace (open it on a
 * {@link NetNsThread} or inside {@link NetNs#call}): it hears of that namespace's interfaces only.
 *
 * <p>Messages parsed (linux/netlink.h, linux/rtnetlink.h, linux/if_link.h): {@code struct nlmsghdr}
 * (len u32, type u16, flags u16, seq u32, pid u32: 16 bytes), then {@code struct ifinfomsg} (family
 * u8, pad u8, type u16, index s32, flags u32, change u32: 16 bytes), then {@code rtattr}s (len u16,
 * type u16, payload, aligned to 4). These layouts are the same on every Linux architecture.
 *
 * <p>Lost notifications: if the reader falls behind, the kernel drops notifications and the next
 * receive fails with ENOBUFS; {@link #poll} then reports an {@link #overrun()} so that the caller
 * re-reads every interface instead of trusting the events.
 *
 * <p>Threading: one reader thread at a time ({@link #poll} uses the socket's own buffer). {@link #close}
 * must not race a running {@link #poll}: the reader closes it when it is done.
 */
public final class LinkEvents implements AutoCloseable {
    public static final int AF_NETLINK = 16;
    public static final int NETLINK_ROUTE = 0;
    /** The legacy group bit of RTNLGRP_LINK (group 1) for {@code sockaddr_nl.nl_groups}. */
    public static final int RTMGRP_LINK = 1;
    public static final int RTM_NEWLINK = 16;
    public static final int RTM_DELLINK = 17;
    public static final int NLMSG_ERROR = 2;
    public static final int NLMSG_DONE = 3;
    public static final int NLMSG_OVERRUN = 4;
    public static final int IFLA_IFNAME = 3;
    public static final int IFLA_MTU = 4;
    public static final int IFLA_OPERSTATE = 16;
    /** RFC 2863 operational states of IFLA_OPERSTATE. */
    public static final int IF_OPER_UNKNOWN = 0;
    public static final int IF_OPER_DOWN = 2;
    public static final int IF_OPER_LOWERLAYERDOWN = 3;
    public static final int IF_OPER_UP = 6;

    static final int NLMSGHDR_SIZE = 16;
    static final int IFINFOMSG_SIZE = 16;
    static final int SOCKADDR_NL_SIZE = 12;
    private static final int BUFFER_SIZE = 1 << 16;
    private static final int MSG_DONTWAIT = 0x40;

    private static final MethodHandle RECV = Native.downcallErrno("recv",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_INT));

    /**
     * One link as a notification described it.
     *
     * @param deleted true for RTM_DELLINK (the interface is gone)
     * @param index its ifindex
     * @param name its name ("" if the message had none)
     * @param flags {@code IFF_*} device flags (IFF_UP = 0x1, IFF_RUNNING = 0x40, IFF_LOWER_UP = 0x10000)
     * @param mtu its MTU, -1 if the message had none
     * @param operState IFLA_OPERSTATE ({@link #IF_OPER_UP} ...), -1 if the message had none
     */
    public record Link(boolean deleted, int index, String name, int flags, int mtu, int operState) {
    }

    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment buffer = arena.allocate(BUFFER_SIZE, 8);
    private final MemorySegment pollfd = arena.allocate(Sockets.POLLFD_SIZE, 8);
    private boolean overrun;
    private boolean closed;

    private LinkEvents(int fd) {
        this.fd = fd;
    }

    /** Opens a socket subscribed to the link notifications of the calling thread's namespace. */
    public static LinkEvents open() throws LinuxException {
        int fd = Sockets.socket(AF_NETLINK, PacketSockets.SOCK_RAW, NETLINK_ROUTE, "socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE)");
        try (Arena a = Arena.ofConfined()) {
            // struct sockaddr_nl { sa_family_t nl_family; unsigned short nl_pad; __u32 nl_pid; __u32 nl_groups; }
            MemorySegment sa = a.allocate(SOCKADDR_NL_SIZE, 4);
            sa.set(ValueLayout.JAVA_SHORT, 0, (short) AF_NETLINK);
            sa.set(ValueLayout.JAVA_INT, 4, 0);            // the kernel assigns the port id
            sa.set(ValueLayout.JAVA_INT, 8, RTMGRP_LINK);
            Sockets.bind(fd, sa, SOCKADDR_NL_SIZE, "bind(AF_NETLINK fd " + fd + ", RTMGRP_LINK)");
            return new LinkEvents(fd);
        } catch (LinuxException | RuntimeException e) {
            Fds.closeQuietly(fd);
            throw e;
        }
    }

    public int fd() {
        return fd;
    }

    /**
     * Waits up to {@code timeoutMillis} (0: not at all) for notifications and returns the links of
     * every message queued by then (empty on timeout). If the kernel dropped notifications since the
     * last call, {@link #overrun()} is true afterwards. A wait that ends with nothing allocates nothing.
     */
    public List<Link> poll(int timeoutMillis) throws LinuxException {
        overrun = false;
        if (Sockets.poll(pollfd, fd, PacketSockets.POLLIN, timeoutMillis) == 0) {
            return List.of(); // nothing allocated while nothing happens
        }
        List<Link> out = new ArrayList<>();
        while (true) {
            long n;
            try {
                MemorySegment state = Native.callState();
                n = (long) RECV.invokeExact(state, fd, buffer, (long) BUFFER_SIZE, MSG_DONTWAIT);
                if (n < 0) {
                    int errno = Native.errno(state);
                    if (errno == Errno.EAGAIN || errno == Errno.EINTR) {
                        return out;
                    }
                    if (errno == Errno.ENOBUFS) {
                        overrun = true; // the socket stays usable: later notifications arrive again
                        continue;
                    }
                    throw new LinuxException("recv(AF_NETLINK fd " + fd + ")", errno);
                }
            } catch (LinuxException e) {
                throw e;
            } catch (Throwable t) {
                throw Native.rethrow(t);
            }
            parse(buffer, n, out);
            if (out.size() > 10_000) {
                overrun = true; // a storm: the caller re-reads everything anyway
                return out;
            }
        }
    }

    /** True if the last {@link #poll} found that notifications were lost: re-read every interface. */
    public boolean overrun() {
        return overrun;
    }

    /** Parses the netlink messages in the first {@code length} bytes of {@code buf} into {@code out}. */
    static void parse(MemorySegment buf, long length, List<Link> out) {
        long at = 0;
        while (at + NLMSGHDR_SIZE <= length) {
            int len = buf.get(ValueLayout.JAVA_INT, at);
            int type = buf.get(ValueLayout.JAVA_SHORT, at + 4) & 0xFFFF;
            if (len < NLMSGHDR_SIZE || at + len > length) {
                return; // truncated or malformed: ignore the rest of this datagram
            }
            if ((type == RTM_NEWLINK || type == RTM_DELLINK) && len >= NLMSGHDR_SIZE + IFINFOMSG_SIZE) {
                long ifi = at + NLMSGHDR_SIZE;
                int index = buf.get(ValueLayout.JAVA_INT, ifi + 4);
                int flags = buf.get(ValueLayout.JAVA_INT, ifi + 8);
                String name = "";
                int mtu = -1;
                int oper = -1;
                long attr = ifi + IFINFOMSG_SIZE;
                long end = at + len;
                while (attr + 4 <= end) {
                    int alen = buf.get(ValueLayout.JAVA_SHORT, attr) & 0xFFFF;
                    int atype = buf.get(ValueLayout.JAVA_SHORT, attr + 2) & 0x3FFF; // without NLA_F_NESTED / NET_BYTEORDER
                    if (alen < 4 || attr + alen > end) {
                        break;
                    }
                    int payload = alen - 4;
                    switch (atype) {
                        case IFLA_IFNAME -> {
                            byte[] b = buf.asSlice(attr + 4, payload).toArray(ValueLayout.JAVA_BYTE);
                            int z = 0;
                            while (z < b.length && b[z] != 0) {
                                z++;
                            }
                            name = new String(b, 0, z, StandardCharsets.US_ASCII);
                        }
                        case IFLA_MTU -> {
                            if (payload >= 4) {
                                mtu = buf.get(ValueLayout.JAVA_INT_UNALIGNED, attr + 4);
                            }
                        }
                        case IFLA_OPERSTATE -> {
                            if (payload >= 1) {
                                oper = buf.get(ValueLayout.JAVA_BYTE, attr + 4) & 0xFF;
                            }
                        }
                        default -> {
                        }
                    }
                    attr += (alen + 3) & ~3;
                }
                out.add(new Link(type == RTM_DELLINK, index, name, flags, mtu, oper));
            }
            at += (len + 3) & ~3;
        }
    }

    /** Closes the socket. Idempotent; call it on the reader's thread (or once the reader has stopped). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Fds.closeQuietly(fd);
        arena.close();
    }
}
