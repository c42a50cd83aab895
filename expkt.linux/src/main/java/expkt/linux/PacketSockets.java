package expkt.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteOrder;

/**
 * AF_PACKET sockets: open, bind, socket options, classic BPF, TPACKET_V3 receive rings, poll, sendto
 * and sendmmsg.
 *
 * <p>Hot-path calls ({@link #poll}, {@link #sendto}, {@link #sendmmsg}) take caller-owned segments and
 * allocate nothing; set-up calls allocate in a confined arena.
 *
 * <p>Threading: stateless; every method may be called from any thread. A socket is created in the
 * network namespace of the calling thread (see {@link NetNs#call}).
 */
public final class PacketSockets {
    public static final int AF_PACKET = 17;
    public static final int SOCK_RAW = 3;
    public static final int SOCK_CLOEXEC = 0x80000;
    public static final int SOCK_NONBLOCK = 0x800;
    public static final int ETH_P_ALL = 0x0003;
    public static final int ETH_P_8021Q = 0x8100;
    public static final int ETH_P_8021AD = 0x88A8;

    public static final int SOL_SOCKET = 1;
    public static final int SO_ATTACH_FILTER = 26;
    public static final int SO_DETACH_FILTER = 27;
    public static final int SO_LOCK_FILTER = 44;
    public static final int SO_RCVBUF = 8;
    public static final int SO_SNDBUF = 7;

    public static final int SOL_PACKET = 263;
    public static final int PACKET_RX_RING = 5;
    public static final int PACKET_TX_RING = 13;
    /** tp_status of a TX ring slot: free for the application. */
    public static final int TP_STATUS_AVAILABLE = 0;
    /** tp_status of a TX ring slot: filled, for the kernel to send on the next send(2). */
    public static final int TP_STATUS_SEND_REQUEST = 1;
    /** tp_status of a TX ring slot: the kernel is sending it. */
    public static final int TP_STATUS_SENDING = 2;
    /** tp_status of a TX ring slot: the kernel refused the frame (e.g. too long); the slot is the application's again. */
    public static final int TP_STATUS_WRONG_FORMAT = 4;
    public static final int PACKET_STATISTICS = 6;
    public static final int PACKET_VERSION = 10;
    public static final int PACKET_AUXDATA = 8;
    public static final int PACKET_QDISC_BYPASS = 20;
    public static final int PACKET_IGNORE_OUTGOING = 23;
    public static final int TPACKET_V2 = 1;
    public static final int TPACKET_V3 = 2;

    /** {@code sll_pkttype} values. */
    public static final int PACKET_HOST = 0;
    public static final int PACKET_OUTGOING = 4;

    public static final short POLLIN = 0x1;
    public static final short POLLERR = 0x8;
    public static final short POLLHUP = 0x10;
    public static final short POLLNVAL = 0x20;

    public static final int MSG_DONTWAIT = 0x40;

    // struct layouts: from StructLayouts, per architecture (checked against the C compiler by its test)
    /** {@code struct sockaddr_ll}: 20 bytes. */
    public static final int SOCKADDR_LL_SIZE = StructLayouts.size("struct sockaddr_ll");
    /** {@code struct pollfd}: 8 bytes. */
    public static final int POLLFD_SIZE = Sockets.POLLFD_SIZE;
    /** {@code struct mmsghdr} on LP64: a 56-byte msghdr and an unsigned int, padded to 64. */
    public static final int MMSGHDR_SIZE = StructLayouts.size("struct mmsghdr");
    /** {@code struct iovec}: 16 bytes. */
    public static final int IOVEC_SIZE = StructLayouts.size("struct iovec");
    /** {@code struct sock_filter}: 8 bytes. */
    public static final int SOCK_FILTER_SIZE = StructLayouts.size("struct sock_filter");
    private static final int SLL_FAMILY = StructLayouts.offset("struct sockaddr_ll", "sll_family");
    private static final int SLL_PROTOCOL = StructLayouts.offset("struct sockaddr_ll", "sll_protocol");
    private static final int SLL_IFINDEX = StructLayouts.offset("struct sockaddr_ll", "sll_ifindex");
    private static final int SLL_HATYPE = StructLayouts.offset("struct sockaddr_ll", "sll_hatype");
    private static final int SLL_PKTTYPE = StructLayouts.offset("struct sockaddr_ll", "sll_pkttype");
    private static final int SLL_HALEN = StructLayouts.offset("struct sockaddr_ll", "sll_halen");
    private static final int SLL_ADDR = StructLayouts.offset("struct sockaddr_ll", "sll_addr");
    private static final int MSG_NAME = StructLayouts.offset("struct mmsghdr", "msg_hdr.msg_name");
    private static final int MSG_NAMELEN = StructLayouts.offset("struct mmsghdr", "msg_hdr.msg_namelen");
    private static final int MSG_IOV = StructLayouts.offset("struct mmsghdr", "msg_hdr.msg_iov");
    private static final int MSG_IOVLEN = StructLayouts.offset("struct mmsghdr", "msg_hdr.msg_iovlen");
    private static final int MSG_CONTROL = StructLayouts.offset("struct mmsghdr", "msg_hdr.msg_control");
    private static final int MSG_CONTROLLEN = StructLayouts.offset("struct mmsghdr", "msg_hdr.msg_controllen");
    private static final int MSG_FLAGS = StructLayouts.offset("struct mmsghdr", "msg_hdr.msg_flags");
    private static final int MSG_LEN = StructLayouts.offset("struct mmsghdr", "msg_len");
    private static final int IOV_BASE = StructLayouts.offset("struct iovec", "iov_base");
    private static final int IOV_LEN = StructLayouts.offset("struct iovec", "iov_len");
    private static final int FILTER_CODE = StructLayouts.offset("struct sock_filter", "code");
    private static final int FILTER_JT = StructLayouts.offset("struct sock_filter", "jt");
    private static final int FILTER_JF = StructLayouts.offset("struct sock_filter", "jf");
    private static final int FILTER_K = StructLayouts.offset("struct sock_filter", "k");
    private static final int FPROG_SIZE = StructLayouts.size("struct sock_fprog");
    private static final int FPROG_LEN = StructLayouts.offset("struct sock_fprog", "len");
    private static final int FPROG_FILTER = StructLayouts.offset("struct sock_fprog", "filter");
    private static final int REQ3_SIZE = StructLayouts.size("struct tpacket_req3");
    private static final int REQ3_BLOCK_SIZE = StructLayouts.offset("struct tpacket_req3", "tp_block_size");
    private static final int REQ3_BLOCK_NR = StructLayouts.offset("struct tpacket_req3", "tp_block_nr");
    private static final int REQ3_FRAME_SIZE = StructLayouts.offset("struct tpacket_req3", "tp_frame_size");
    private static final int REQ3_FRAME_NR = StructLayouts.offset("struct tpacket_req3", "tp_frame_nr");
    private static final int REQ3_RETIRE = StructLayouts.offset("struct tpacket_req3", "tp_retire_blk_tov");
    private static final int REQ3_PRIV = StructLayouts.offset("struct tpacket_req3", "tp_sizeof_priv");
    private static final int REQ3_FEATURES = StructLayouts.offset("struct tpacket_req3", "tp_feature_req_word");
    private static final int REQ_SIZE = StructLayouts.size("struct tpacket_req");
    private static final int REQ_BLOCK_SIZE = StructLayouts.offset("struct tpacket_req", "tp_block_size");
    private static final int REQ_BLOCK_NR = StructLayouts.offset("struct tpacket_req", "tp_block_nr");
    private static final int REQ_FRAME_SIZE = StructLayouts.offset("struct tpacket_req", "tp_frame_size");
    private static final int REQ_FRAME_NR = StructLayouts.offset("struct tpacket_req", "tp_frame_nr");
    private static final int STATS_SIZE = StructLayouts.size("struct tpacket_stats_v3");
    private static final int STATS_PACKETS = StructLayouts.offset("struct tpacket_stats_v3", "tp_packets");
    private static final int STATS_DROPS = StructLayouts.offset("struct tpacket_stats_v3", "tp_drops");
    private static final int STATS_FREEZE = StructLayouts.offset("struct tpacket_stats_v3", "tp_freeze_q_cnt");

    private static final ValueLayout.OfShort BE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private static final MethodHandle SENDTO = Native.downcallErrno("sendto",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle RECV = Native.downcallErrno("recv",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_INT));
    private static final MethodHandle SENDMMSG = Native.downcallErrno("sendmmsg",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT));

    private PacketSockets() {
    }

    /**
     * Opens a raw AF_PACKET socket in the calling thread's namespace. Protocol 0 receives nothing until
     * {@link #bind} names one: open with 0, attach the filter and ring, then bind, so no frame slips in
     * before the filter.
     */
    public static int open(int protocolHostOrder) throws LinuxException {
        return Sockets.socket(AF_PACKET, SOCK_RAW, htons(protocolHostOrder),
                "socket(AF_PACKET, SOCK_RAW, 0x" + Integer.toHexString(protocolHostOrder) + ")");
    }

    /** Binds {@code fd} to {@code protocol} (host order) on {@code ifIndex} (0: every interface). */
    public static void bind(int fd, int protocolHostOrder, int ifIndex) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sll = arena.allocate(SOCKADDR_LL_SIZE, 4);
            writeSockaddrLl(sll, 0, protocolHostOrder, ifIndex, 0L);
            Sockets.bind(fd, sll, SOCKADDR_LL_SIZE, "bind(AF_PACKET fd " + fd + ", protocol 0x"
                    + Integer.toHexString(protocolHostOrder) + ", ifindex " + ifIndex + ")");
        }
    }

    /**
     * Fills a {@code struct sockaddr_ll} at {@code offset} of {@code seg}: family, protocol, ifindex and,
     * when {@code dstMac} is not 0, a 6-byte hardware address (the destination, for a send).
     */
    public static void writeSockaddrLl(MemorySegment seg, long offset, int protocolHostOrder, int ifIndex, long dstMac) {
        seg.set(ValueLayout.JAVA_SHORT_UNALIGNED, offset + SLL_FAMILY, (short) AF_PACKET);
        seg.set(BE_SHORT, offset + SLL_PROTOCOL, (short) protocolHostOrder);
        seg.set(ValueLayout.JAVA_INT_UNALIGNED, offset + SLL_IFINDEX, ifIndex);
        seg.set(ValueLayout.JAVA_SHORT_UNALIGNED, offset + SLL_HATYPE, (short) 0);
        seg.set(ValueLayout.JAVA_BYTE, offset + SLL_PKTTYPE, (byte) 0);
        seg.set(ValueLayout.JAVA_BYTE, offset + SLL_HALEN, (byte) 6);
        for (int i = 0; i < 6; i++) {
            seg.set(ValueLayout.JAVA_BYTE, offset + SLL_ADDR + i, (byte) (dstMac >>> (40 - 8 * i)));
        }
        seg.set(ValueLayout.JAVA_SHORT_UNALIGNED, offset + SLL_ADDR + 6, (short) 0); // sll_addr is 8 bytes
    }

    public static void setInt(int fd, int level, int option, int value, String what) throws LinuxException {
        Sockets.setInt(fd, level, option, value, what);
    }

    /** setsockopt with a caller-built value; {@code what} names it in the error. */
    public static void setsockopt(int fd, int level, int option, MemorySegment value, String what) throws LinuxException {
        Sockets.setsockopt(fd, level, option, value, (int) value.byteSize(), what);
    }

    /**
     * Attaches a classic BPF program (SO_ATTACH_FILTER), replacing any previous one atomically. Each
     * instruction is packed as {@code code << 48 | jt << 40 | jf << 32 | k} (see {@link #insn}).
     */
    public static void attachFilter(int fd, long[] program) throws LinuxException {
        if (program.length == 0 || program.length > 4096) {
            throw new IllegalArgumentException("a classic BPF program has 1..4096 instructions, not " + program.length);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment insns = arena.allocate((long) SOCK_FILTER_SIZE * program.length, 8);
            for (int i = 0; i < program.length; i++) {
                long p = program[i];
                long o = (long) i * SOCK_FILTER_SIZE;
                insns.set(ValueLayout.JAVA_SHORT, o + FILTER_CODE, (short) (p >>> 48));
                insns.set(ValueLayout.JAVA_BYTE, o + FILTER_JT, (byte) (p >>> 40));
                insns.set(ValueLayout.JAVA_BYTE, o + FILTER_JF, (byte) (p >>> 32));
                insns.set(ValueLayout.JAVA_INT, o + FILTER_K, (int) p);
            }
            // struct sock_fprog { unsigned short len; struct sock_filter *filter; }
            MemorySegment fprog = arena.allocate(FPROG_SIZE, 8);
            fprog.set(ValueLayout.JAVA_SHORT, FPROG_LEN, (short) program.length);
            fprog.set(ValueLayout.ADDRESS, FPROG_FILTER, insns);
            setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, fprog, "SO_ATTACH_FILTER of " + program.length + " instructions");
        }
    }

    /** Packs one {@code struct sock_filter}. */
    public static long insn(int code, int jt, int jf, int k) {
        if (jt < 0 || jt > 255 || jf < 0 || jf > 255) {
            throw new IllegalArgumentException("BPF jump offsets " + jt + "/" + jf + " are outside 0..255");
        }
        return ((long) (code & 0xFFFF) << 48) | ((long) jt << 40) | ((long) jf << 32) | (k & 0xFFFF_FFFFL);
    }

    /**
     * Sets TPACKET_V3 and a receive ring of {@code blockNr} blocks of {@code blockSize} bytes, each
     * block retired to user space after {@code retireMillis} at the latest, and maps it into
     * {@code arena} (closing the arena unmaps it; close it before closing the socket).
     */
    public static MemorySegment rxRingV3(int fd, int blockSize, int blockNr, int frameSize, int retireMillis, Arena ringArena)
            throws LinuxException {
        setInt(fd, SOL_PACKET, PACKET_VERSION, TPACKET_V3, "PACKET_VERSION TPACKET_V3");
        try (Arena arena = Arena.ofConfined()) {
            // struct tpacket_req3: block_size, block_nr, frame_size, frame_nr, retire_blk_tov, sizeof_priv, feature_req_word
            MemorySegment req = arena.allocate(REQ3_SIZE, 4);
            req.set(ValueLayout.JAVA_INT, REQ3_BLOCK_SIZE, blockSize);
            req.set(ValueLayout.JAVA_INT, REQ3_BLOCK_NR, blockNr);
            req.set(ValueLayout.JAVA_INT, REQ3_FRAME_SIZE, frameSize);
            req.set(ValueLayout.JAVA_INT, REQ3_FRAME_NR, (int) ((long) blockSize / frameSize * blockNr));
            req.set(ValueLayout.JAVA_INT, REQ3_RETIRE, retireMillis);
            req.set(ValueLayout.JAVA_INT, REQ3_PRIV, 0);
            req.set(ValueLayout.JAVA_INT, REQ3_FEATURES, 0);
            setsockopt(fd, SOL_PACKET, PACKET_RX_RING, req, "PACKET_RX_RING " + blockNr + " x " + blockSize + " B");
        }
        return Mmap.map(fd, (long) blockSize * blockNr, ringArena);
    }

    /**
     * Sets TPACKET_V2 and a receive ring of {@code blockNr} blocks of {@code blockSize} bytes cut into
     * frames of {@code frameSize} bytes (a power of two, at most {@code blockSize}: the frames then lie
     * back to back, frame i at {@code i * frameSize}), and maps it into {@code arena}. Unlike V3, the
     * kernel wakes a reader for every frame it puts in the ring, not once per retired block: the ring
     * for a reader that waits for each frame (latency); a frame longer than the frame leaves room for
     * is truncated (snaplen &lt; len).
     */
    public static MemorySegment rxRingV2(int fd, int blockSize, int blockNr, int frameSize, Arena ringArena)
            throws LinuxException {
        if (frameSize < 128 || Integer.bitCount(frameSize) != 1 || frameSize > blockSize) {
            throw new IllegalArgumentException("TPACKET_V2 frame size " + frameSize
                    + " must be a power of two of at least 128 and at most the block size " + blockSize);
        }
        setInt(fd, SOL_PACKET, PACKET_VERSION, TPACKET_V2, "PACKET_VERSION TPACKET_V2");
        try (Arena arena = Arena.ofConfined()) {
            // struct tpacket_req: block_size, block_nr, frame_size, frame_nr
            MemorySegment req = arena.allocate(REQ_SIZE, 4);
            req.set(ValueLayout.JAVA_INT, REQ_BLOCK_SIZE, blockSize);
            req.set(ValueLayout.JAVA_INT, REQ_BLOCK_NR, blockNr);
            req.set(ValueLayout.JAVA_INT, REQ_FRAME_SIZE, frameSize);
            req.set(ValueLayout.JAVA_INT, REQ_FRAME_NR, blockSize / frameSize * blockNr);
            setsockopt(fd, SOL_PACKET, PACKET_RX_RING, req, "PACKET_RX_RING (TPACKET_V2) " + blockNr + " x " + blockSize
                    + " B in frames of " + frameSize + " B");
        }
        return Mmap.map(fd, (long) blockSize * blockNr, ringArena);
    }

    /**
     * Sets TPACKET_V2 and a transmit ring of {@code blockNr} blocks of {@code blockSize} bytes cut into
     * slots of {@code frameSize} bytes (a power of two, 128..blockSize; slot i at {@code i * frameSize},
     * its frame's data at {@link StructLayouts#TPACKET2_SLL}), and maps it into {@code ringArena}. The
     * socket must have no receive ring: the mapping is the TX ring alone. Frames marked
     * {@link #TP_STATUS_SEND_REQUEST} leave on {@link #sendRing}.
     */
    public static MemorySegment txRingV2(int fd, int blockSize, int blockNr, int frameSize, Arena ringArena) throws LinuxException {
        if (frameSize < 128 || Integer.bitCount(frameSize) != 1 || frameSize > blockSize) {
            throw new IllegalArgumentException("TPACKET_V2 frame size " + frameSize
                    + " must be a power of two of at least 128 and at most the block size " + blockSize);
        }
        setInt(fd, SOL_PACKET, PACKET_VERSION, TPACKET_V2, "PACKET_VERSION TPACKET_V2");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment req = arena.allocate(REQ_SIZE, 4);
            req.set(ValueLayout.JAVA_INT, REQ_BLOCK_SIZE, blockSize);
            req.set(ValueLayout.JAVA_INT, REQ_BLOCK_NR, blockNr);
            req.set(ValueLayout.JAVA_INT, REQ_FRAME_SIZE, frameSize);
            req.set(ValueLayout.JAVA_INT, REQ_FRAME_NR, blockSize / frameSize * blockNr);
            setsockopt(fd, SOL_PACKET, PACKET_TX_RING, req, "PACKET_TX_RING (TPACKET_V2) " + blockNr + " x " + blockSize
                    + " B in frames of " + frameSize + " B");
        }
        return Mmap.map(fd, (long) blockSize * blockNr, ringArena);
    }

    /**
     * {@code send(fd, NULL, 0, flags)}: hands every TX ring slot marked SEND_REQUEST to the kernel (to
     * the interface the socket is bound to). Returns the bytes queued, or -1 when the kernel took none
     * now (EAGAIN / ENOBUFS: the device queue is full; the slots stay marked for the next call).
     */
    public static long sendRing(int fd, int flags) throws LinuxException {
        try {
            MemorySegment state = Native.callState();
            long rc = (long) SENDTO.invokeExact(state, fd, MemorySegment.NULL, 0L, flags, MemorySegment.NULL, 0);
            if (rc < 0) {
                int errno = Native.errno(state);
                if (errno == Errno.EAGAIN || errno == Errno.ENOBUFS) {
                    return -1;
                }
                throw new LinuxException("send(AF_PACKET fd " + fd + ", TX ring)", errno);
            }
            return rc;
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** The socket's PACKET_VERSION (TPACKET_V1 = 0, V2 = 1, V3 = 2), read back from the kernel. */
    public static int version(int fd) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(4, 4);
            Sockets.getsockopt(fd, SOL_PACKET, PACKET_VERSION, v, arena.allocateFrom(ValueLayout.JAVA_INT, 4), "PACKET_VERSION");
            return v.get(ValueLayout.JAVA_INT, 0);
        }
    }

    /** {@code struct tpacket_stats_v3} read (and reset by the kernel): {packets, drops, freeze_q_cnt}. */
    public static long[] statistics(int fd) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(STATS_SIZE, 4);
            Sockets.getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, v, arena.allocateFrom(ValueLayout.JAVA_INT, STATS_SIZE),
                    "PACKET_STATISTICS");
            return new long[] {v.get(ValueLayout.JAVA_INT, STATS_PACKETS) & 0xFFFF_FFFFL,
                    v.get(ValueLayout.JAVA_INT, STATS_DROPS) & 0xFFFF_FFFFL, v.get(ValueLayout.JAVA_INT, STATS_FREEZE) & 0xFFFF_FFFFL};
        }
    }

    /**
     * poll(2) on one fd whose {@code struct pollfd} the caller keeps in {@code pollfd} (8 bytes, reused:
     * nothing is allocated). Returns the revents, 0 on timeout or EINTR.
     */
    public static int poll(MemorySegment pollfd, int fd, short events, int timeoutMillis) throws LinuxException {
        return Sockets.poll(pollfd, fd, events, timeoutMillis);
    }

    /** sendto(2) of {@code len} bytes of {@code buf} to the {@code sockaddr_ll} in {@code sll}; returns bytes sent. */
    public static long sendto(int fd, MemorySegment buf, long len, MemorySegment sll, int flags) throws LinuxException {
        try {
            MemorySegment state = Native.callState();
            long rc = (long) SENDTO.invokeExact(state, fd, buf, len, flags, sll, SOCKADDR_LL_SIZE);
            if (rc < 0) {
                throw new LinuxException("sendto(AF_PACKET fd " + fd + ", " + len + " bytes, ifindex "
                        + sll.get(ValueLayout.JAVA_INT_UNALIGNED, SLL_IFINDEX) + ")", Native.errno(state));
            }
            return rc;
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /**
     * recv(2) of one frame into {@code buf} (for plain, ring-less sockets); returns its length, or -1 if
     * {@code flags} has MSG_DONTWAIT and nothing is queued.
     */
    public static long recv(int fd, MemorySegment buf, int flags) throws LinuxException {
        try {
            MemorySegment state = Native.callState();
            long rc = (long) RECV.invokeExact(state, fd, buf, buf.byteSize(), flags);
            if (rc < 0) {
                int errno = Native.errno(state);
                if (errno == Errno.EAGAIN) {
                    return -1;
                }
                throw new LinuxException("recv(AF_PACKET fd " + fd + ")", errno);
            }
            return rc;
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /**
     * sendmmsg(2) of {@code count} prepared {@code struct mmsghdr}s (see {@link #writeMmsghdr}); returns
     * how many were sent (the kernel may stop early; the caller resubmits the rest).
     */
    public static int sendmmsg(int fd, MemorySegment msgvec, int count, int flags) throws LinuxException {
        try {
            MemorySegment state = Native.callState();
            int rc = (int) SENDMMSG.invokeExact(state, fd, msgvec, count, flags);
            if (rc < 0) {
                throw new LinuxException("sendmmsg(AF_PACKET fd " + fd + ", " + count + " messages)", Native.errno(state));
            }
            return rc;
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /**
     * Fills {@code struct mmsghdr} number {@code index} of {@code msgvec}: destination {@code sll}
     * (a sockaddr_ll), {@code iovCount} iovecs at {@code iov}.
     */
    public static void writeMmsghdr(MemorySegment msgvec, int index, MemorySegment sll, MemorySegment iov, int iovCount) {
        long o = (long) index * MMSGHDR_SIZE;
        msgvec.set(ValueLayout.ADDRESS, o + MSG_NAME, sll);
        msgvec.set(ValueLayout.JAVA_INT, o + MSG_NAMELEN, SOCKADDR_LL_SIZE);
        msgvec.set(ValueLayout.ADDRESS, o + MSG_IOV, iov);
        msgvec.set(ValueLayout.JAVA_LONG, o + MSG_IOVLEN, iovCount);
        msgvec.set(ValueLayout.ADDRESS, o + MSG_CONTROL, MemorySegment.NULL);
        msgvec.set(ValueLayout.JAVA_LONG, o + MSG_CONTROLLEN, 0L);
        msgvec.set(ValueLayout.JAVA_INT, o + MSG_FLAGS, 0);
        msgvec.set(ValueLayout.JAVA_INT, o + MSG_LEN, 0); // out
    }

    /**
     * As {@link #writeMmsghdr(MemorySegment, int, MemorySegment, MemorySegment, int)}, with the
     * sockaddr_ll and the iovecs given by native address: a send loop that fills messages per frame
     * makes no segment per message (allocation-free).
     */
    public static void writeMmsghdr(MemorySegment msgvec, int index, long sllAddress, long iovAddress, int iovCount) {
        long o = (long) index * MMSGHDR_SIZE;
        msgvec.set(ValueLayout.JAVA_LONG, o + MSG_NAME, sllAddress);
        msgvec.set(ValueLayout.JAVA_INT, o + MSG_NAMELEN, SOCKADDR_LL_SIZE);
        msgvec.set(ValueLayout.JAVA_LONG, o + MSG_IOV, iovAddress);
        msgvec.set(ValueLayout.JAVA_LONG, o + MSG_IOVLEN, iovCount);
        msgvec.set(ValueLayout.JAVA_LONG, o + MSG_CONTROL, 0L);
        msgvec.set(ValueLayout.JAVA_LONG, o + MSG_CONTROLLEN, 0L);
        msgvec.set(ValueLayout.JAVA_INT, o + MSG_FLAGS, 0);
        msgvec.set(ValueLayout.JAVA_INT, o + MSG_LEN, 0); // out
    }

    /** Fills iovec {@code index} of {@code iovs}: {@code len} bytes at native address {@code address} (allocation-free). */
    public static void writeIovec(MemorySegment iovs, int index, long address, long len) {
        long o = (long) index * IOVEC_SIZE;
        iovs.set(ValueLayout.JAVA_LONG, o + IOV_BASE, address);
        iovs.set(ValueLayout.JAVA_LONG, o + IOV_LEN, len);
    }

    /** Fills iovec {@code index} of {@code iovs}: {@code len} bytes at {@code base}. */
    public static void writeIovec(MemorySegment iovs, int index, MemorySegment base, long len) {
        long o = (long) index * IOVEC_SIZE;
        iovs.set(ValueLayout.ADDRESS, o + IOV_BASE, base);
        iovs.set(ValueLayout.JAVA_LONG, o + IOV_LEN, len);
    }

    public static int htons(int v) {
        return ((v & 0xFF) << 8) | ((v >>> 8) & 0xFF);
    }
}
