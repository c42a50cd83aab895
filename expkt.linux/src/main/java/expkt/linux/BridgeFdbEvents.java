package expkt.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * The forwarding database of the Linux bridges of a namespace, read through rtnetlink: an
 * {@code AF_NETLINK}/{@code NETLINK_ROUTE} socket subscribed to {@code RTNLGRP_NEIGH}, on which the
 * bridge announces every entry it learns, moves to another port, or ages out ({@code RTM_NEWNEIGH} /
 * {@code RTM_DELNEIGH} with family {@code AF_BRIDGE}); {@link #requestDump()} asks for every entry
 * ({@code RTM_GETNEIGH}, {@code AF_BRIDGE}, {@code NLM_F_DUMP}), whose answers arrive on the same socket
 * and are read by {@link #poll} like notifications. (The kernel does not announce the mere refresh of
 * an entry's timer; the age of an entry is in the answers of a dump.) Made in the calling thread's
 * network namespace (open it on a {@link NetNsThread}).
 *
 * <p>Messages parsed (linux/neighbour.h): {@code struct nlmsghdr} (16 bytes), then {@code struct ndmsg}
 * (family u8, pad u8, pad u16, ifindex s32, state u16, flags u8, type u8: 12 bytes), then
 * {@code rtattr}s: {@code NDA_LLADDR} (the MAC), {@code NDA_VLAN} (u16, only where the bridge filters
 * VLANs), {@code NDA_MASTER} (the bridge's ifindex), {@code NDA_CACHEINFO} ({@code struct
 * nda_cacheinfo}: confirmed, used, updated, refcnt, u32 each, in USER_HZ ticks ago). The same on
 * every Linux architecture. Neighbour messages of other families (ARP, IPv6 ND) on the same group
 * are skipped.
 *
 * <p>Lost notifications: when the reader falls behind the kernel drops them and the next receive
 * fails with ENOBUFS: {@link #overrun()} is then true, and the caller must drop what it mirrored and
 * dump again.
 *
 * <p>Threading: one reader thread at a time; {@link #close} once the reader has stopped.
 */
public final class BridgeFdbEvents implements AutoCloseable {
    public static final int AF_BRIDGE = 7;
    /** The legacy group bit of RTNLGRP_NEIGH (group 3). */
    public static final int RTMGRP_NEIGH = 4;
    public static final int RTM_NEWNEIGH = 28;
    public static final int RTM_DELNEIGH = 29;
    public static final int RTM_GETNEIGH = 30;
    public static final int NDA_LLADDR = 2;
    public static final int NDA_CACHEINFO = 3;
    public static final int NDA_VLAN = 5;
    public static final int NDA_MASTER = 9;
    /** ndm_state: a local entry (the port's own address); static entries are NUD_NOARP, learned ones NUD_REACHABLE/NUD_STALE. */
    public static final int NUD_PERMANENT = 0x80;
    public static final int NUD_NOARP = 0x40;
    /** ndm_flags: an entry of the device's own address list, not of a bridge's forwarding database. */
    public static final int NTF_SELF = 0x02;
    public static final int NTF_MASTER = 0x04;
    /** USER_HZ, the unit of nda_cacheinfo's times. */
    public static final int USER_HZ = 100;

    static final int NLMSGHDR_SIZE = 16;
    static final int NDMSG_SIZE = 12;
    private static final int NLM_F_REQUEST = 0x1;
    private static final int NLM_F_DUMP = 0x300;
    private static final int BUFFER_SIZE = 1 << 16;
    private static final int MSG_DONTWAIT = 0x40;

    private static final MethodHandle RECV = Native.downcallErrno("recv",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_INT));
    private static final MethodHandle SEND = Native.downcallErrno("send",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_INT));

    /**
     * One forwarding-database entry as a message described it.
     *
     * @param deleted true for RTM_DELNEIGH (the entry is gone: aged out, flushed, its port removed)
     * @param dump true if it answers a dump ({@link #requestDump()}), false for a notification
     * @param ifIndex the port it points to
     * @param mac the MAC address, the six bytes in the low 48 bits of a long
     * @param vlan the VLAN of the entry (NDA_VLAN), -1 if the message had none (a bridge without VLAN filtering)
     * @param master the bridge's ifindex (NDA_MASTER), 0 if none (an entry of a device's own list)
     * @param state NUD_* state ({@link #NUD_PERMANENT}: the port's own address)
     * @param flags NTF_* flags
     * @param updatedAgoMillis how long ago the bridge last saw the address (nda_cacheinfo), -1 if not given
     */
    public record Entry(boolean deleted, boolean dump, int ifIndex, long mac, int vlan, int master, int state, int flags,
            long updatedAgoMillis) {
        /** True for an entry that forwards to a port: learned or static, of a bridge, not the port's own address. */
        public boolean forwarding() {
            return master != 0 && (flags & NTF_SELF) == 0 && (state & NUD_PERMANENT) == 0;
        }
    }

    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment buffer = arena.allocate(BUFFER_SIZE, 8);
    private final MemorySegment request = arena.allocate(NLMSGHDR_SIZE + NDMSG_SIZE, 8);
    private final MemorySegment pollfd = arena.allocate(Sockets.POLLFD_SIZE, 8);
    private int seq;
    private int dumpSeq = -1;
    private boolean dumpDone;
    private boolean overrun;
    private boolean closed;

    private BridgeFdbEvents(int fd) {
        this.fd = fd;
    }

    /** Opens a socket subscribed to the neighbour notifications of the calling thread's namespace. */
    public static BridgeFdbEvents open() throws LinuxException {
        int fd = Sockets.socket(LinkEvents.AF_NETLINK, PacketSockets.SOCK_RAW, LinkEvents.NETLINK_ROUTE,
                "socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE)");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment sa = a.allocate(LinkEvents.SOCKADDR_NL_SIZE, 4);
            sa.set(ValueLayout.JAVA_SHORT, 0, (short) LinkEvents.AF_NETLINK);
            sa.set(ValueLayout.JAVA_INT, 4, 0);
            sa.set(ValueLayout.JAVA_INT, 8, RTMGRP_NEIGH);
            Sockets.bind(fd, sa, LinkEvents.SOCKADDR_NL_SIZE, "bind(AF_NETLINK fd " + fd + ", RTMGRP_NEIGH)");
            return new BridgeFdbEvents(fd);
        } catch (LinuxException | RuntimeException e) {
            Fds.closeQuietly(fd);
            throw e;
        }
    }

    /**
     * Asks the kernel for every bridge forwarding-database entry of the namespace; the answers (flagged
     * {@link Entry#dump()}) come through {@link #poll}, and {@link #dumpDone()} turns true after the last.
     */
    public void requestDump() throws LinuxException {
        int s = ++seq;
        request.fill((byte) 0);
        request.set(ValueLayout.JAVA_INT, 0, NLMSGHDR_SIZE + NDMSG_SIZE);
        request.set(ValueLayout.JAVA_SHORT, 4, (short) RTM_GETNEIGH);
        request.set(ValueLayout.JAVA_SHORT, 6, (short) (NLM_F_REQUEST | NLM_F_DUMP));
        request.set(ValueLayout.JAVA_INT, 8, s);
        request.set(ValueLayout.JAVA_BYTE, NLMSGHDR_SIZE, (byte) AF_BRIDGE);
        dumpSeq = s;
        dumpDone = false;
        try {
            MemorySegment state = Native.callState();
            long n = (long) SEND.invokeExact(state, fd, request, (long) (NLMSGHDR_SIZE + NDMSG_SIZE), 0);
            if (n < 0) {
                throw new LinuxException("send(AF_NETLINK fd " + fd + ", RTM_GETNEIGH AF_BRIDGE dump)", Native.errno(state));
            }
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** True once every answer of the last {@link #requestDump()} was read. */
    public boolean dumpDone() {
        return dumpDone;
    }

    /**
     * Waits up to {@code timeoutMillis} (0: not at all) and returns the bridge entries of every message
     * queued by then (empty on timeout; nothing is allocated then).
     */
    public List<Entry> poll(int timeoutMillis) throws LinuxException {
        overrun = false;
        if (Sockets.poll(pollfd, fd, PacketSockets.POLLIN, timeoutMillis) == 0) {
            return List.of();
        }
        List<Entry> out = new ArrayList<>();
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
                        overrun = true;
                        continue;
                    }
                    throw new LinuxException("recv(AF_NETLINK fd " + fd + ", RTMGRP_NEIGH)", errno);
                }
            } catch (LinuxException e) {
                throw e;
            } catch (Throwable t) {
                throw Native.rethrow(t);
            }
            if (parse(buffer, n, out)) {
                dumpDone = true;
            }
            if (out.size() > 100_000) {
                overrun = true; // a storm: the caller dumps again anyway
                return out;
            }
        }
    }

    /** True if the last {@link #poll} found notifications lost: drop the mirror and dump again. */
    public boolean overrun() {
        return overrun;
    }

    /** Parses the messages of {@code buf} into {@code out}; true if the end of the pending dump was among them. */
    boolean parse(MemorySegment buf, long length, List<Entry> out) {
        boolean done = false;
        long at = 0;
        while (at + NLMSGHDR_SIZE <= length) {
            int len = buf.get(ValueLayout.JAVA_INT, at);
            int type = buf.get(ValueLayout.JAVA_SHORT, at + 4) & 0xFFFF;
            int msgSeq = buf.get(ValueLayout.JAVA_INT, at + 8);
            if (len < NLMSGHDR_SIZE || at + len > length) {
                return done;
            }
            boolean answer = msgSeq != 0 && msgSeq == dumpSeq;
            if ((type == LinkEvents.NLMSG_DONE || type == LinkEvents.NLMSG_ERROR) && answer) {
                done = true;
            } else if ((type == RTM_NEWNEIGH || type == RTM_DELNEIGH) && len >= NLMSGHDR_SIZE + NDMSG_SIZE) {
                long nd = at + NLMSGHDR_SIZE;
                int family = buf.get(ValueLayout.JAVA_BYTE, nd) & 0xFF;
                if (family == AF_BRIDGE) {
                    int ifIndex = buf.get(ValueLayout.JAVA_INT, nd + 4);
                    int state = buf.get(ValueLayout.JAVA_SHORT, nd + 8) & 0xFFFF;
                    int flags = buf.get(ValueLayout.JAVA_BYTE, nd + 10) & 0xFF;
                    long mac = -1;
                    int vlan = -1;
                    int master = 0;
                    long updated = -1;
                    long attr = nd + NDMSG_SIZE;
                    long end = at + len;
                    while (attr + 4 <= end) {
                        int alen = buf.get(ValueLayout.JAVA_SHORT, attr) & 0xFFFF;
                        int atype = buf.get(ValueLayout.JAVA_SHORT, attr + 2) & 0x3FFF;
                        if (alen < 4 || attr + alen > end) {
                            break;
                        }
                        int payload = alen - 4;
                        long p = attr + 4;
                        switch (atype) {
                            case NDA_LLADDR -> {
                                if (payload == 6) {
                                    mac = 0;
                                    for (int k = 0; k < 6; k++) {
                                        mac = (mac << 8) | (buf.get(ValueLayout.JAVA_BYTE, p + k) & 0xFF);
                                    }
                                }
                            }
                            case NDA_VLAN -> {
                                if (payload >= 2) {
                                    vlan = buf.get(ValueLayout.JAVA_SHORT_UNALIGNED, p) & 0xFFFF;
                                }
                            }
                            case NDA_MASTER -> {
                                if (payload >= 4) {
                                    master = buf.get(ValueLayout.JAVA_INT_UNALIGNED, p);
                                }
                            }
                            case NDA_CACHEINFO -> {
                                if (payload >= 12) {
                                    long ticks = buf.get(ValueLayout.JAVA_INT_UNALIGNED, p + 8) & 0xFFFF_FFFFL;
                                    updated = ticks * 1000 / USER_HZ;
                                }
                            }
                            default -> {
                            }
                        }
                        attr += (alen + 3) & ~3;
                    }
                    if (mac >= 0) {
                        out.add(new Entry(type == RTM_DELNEIGH, answer, ifIndex, mac, vlan, master, state, flags, updated));
                    }
                }
            }
            at += (len + 3) & ~3;
        }
        return done;
    }

    public int fd() {
        return fd;
    }

    /** Closes the socket. Idempotent; on the reader's thread or once it has stopped. */
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
