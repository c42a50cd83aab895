package expkt.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The socket system calls every family shares: socket, bind, setsockopt, getsockopt, poll.
 * {@link PacketSockets} (AF_PACKET) and {@link IpSockets} (AF_INET/AF_INET6) build on these.
 *
 * <p>Threading: plain system calls on an fd, callable from any thread. {@link #poll} allocates
 * nothing (the caller keeps the {@code struct pollfd}); the other calls are set-up calls.
 */
public final class Sockets {
    public static final int SOL_SOCKET = 1;
    public static final int SOCK_CLOEXEC = 0x80000;
    /** {@code sizeof(struct pollfd)}: 8 bytes. */
    public static final int POLLFD_SIZE = StructLayouts.size("struct pollfd");
    private static final int POLLFD_FD = StructLayouts.offset("struct pollfd", "fd");
    private static final int POLLFD_EVENTS = StructLayouts.offset("struct pollfd", "events");
    private static final int POLLFD_REVENTS = StructLayouts.offset("struct pollfd", "revents");

    private static final MethodHandle SOCKET = Native.downcallErrno("socket",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle BIND = Native.downcallErrno("bind",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle SETSOCKOPT = Native.downcallErrno("setsockopt",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle GETSOCKOPT = Native.downcallErrno("getsockopt",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    private static final MethodHandle POLL = Native.downcallErrno("poll",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));

    /** poll(2) without errno capture, for every wait (see {@link #poll}; why: {@code Epoll}'s {@code WAIT_PLAIN}). */
    private static final MethodHandle POLL_PLAIN = Native.downcall("poll",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));

    private Sockets() {
    }

    /** socket(2), always with SOCK_CLOEXEC; {@code what} names the socket in the error. */
    public static int socket(int domain, int type, int protocol, String what) throws LinuxException {
        try {
            MemorySegment state = Native.callState();
            int fd = (int) SOCKET.invokeExact(state, domain, type | SOCK_CLOEXEC, protocol);
            if (fd < 0) {
                throw new LinuxException(what, Native.errno(state));
            }
            return fd;
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** bind(2) to the {@code addrLen} bytes of address in {@code addr}; {@code what} names it in the error. */
    public static void bind(int fd, MemorySegment addr, int addrLen, String what) throws LinuxException {
        try {
            MemorySegment state = Native.callState();
            int rc = (int) BIND.invokeExact(state, fd, addr, addrLen);
            if (rc < 0) {
                throw new LinuxException(what, Native.errno(state));
            }
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** setsockopt(2) with {@code len} bytes of {@code value}; {@code what} names the option in the error. */
    public static void setsockopt(int fd, int level, int option, MemorySegment value, int len, String what) throws LinuxException {
        try {
            MemorySegment state = Native.callState();
            int rc = (int) SETSOCKOPT.invokeExact(state, fd, level, option, value, len);
            if (rc < 0) {
                throw new LinuxException("setsockopt(fd " + fd + ", " + what + ")", Native.errno(state));
            }
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** setsockopt(2) with an int value. */
    public static void setInt(int fd, int level, int option, int value, String what) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            setsockopt(fd, level, option, arena.allocateFrom(ValueLayout.JAVA_INT, value), 4, what);
        }
    }

    /**
     * getsockopt(2) into {@code value}; {@code len} (a 4-byte segment) holds its size on entry and the
     * length the kernel wrote on return.
     */
    public static void getsockopt(int fd, int level, int option, MemorySegment value, MemorySegment len, String what)
            throws LinuxException {
        try {
            MemorySegment state = Native.callState();
            int rc = (int) GETSOCKOPT.invokeExact(state, fd, level, option, value, len);
            if (rc < 0) {
                throw new LinuxException("getsockopt(fd " + fd + ", " + what + ")", Native.errno(state));
            }
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** getsockopt(2) of an int value. */
    public static int getInt(int fd, int level, int option, String what) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(ValueLayout.JAVA_INT);
            getsockopt(fd, level, option, v, arena.allocateFrom(ValueLayout.JAVA_INT, 4), what);
            return v.get(ValueLayout.JAVA_INT, 0);
        }
    }

    /**
     * poll(2) on one fd whose {@code struct pollfd} the caller keeps in {@code pollfd}
     * ({@link #POLLFD_SIZE} bytes, reused: nothing is allocated, in interpreted and C1 code too). Returns the
     * revents, 0 on timeout or EINTR.
     */
    public static int poll(MemorySegment pollfd, int fd, int events, int timeoutMillis) throws LinuxException {
        pollfd.set(ValueLayout.JAVA_INT, POLLFD_FD, fd);
        pollfd.set(ValueLayout.JAVA_SHORT, POLLFD_EVENTS, (short) events);
        pollfd.set(ValueLayout.JAVA_SHORT, POLLFD_REVENTS, (short) 0);
        try {
            // no errno capture on the wait (a capturing downcall allocates per call until C2 compiles it); a
            // failure is asked again with a zero timeout through the capturing binding: an EINTR does not recur
            // there, a lasting error (EBADF, EFAULT, EINVAL) fails again with its errno
            int rc = (int) POLL_PLAIN.invokeExact(pollfd, 1L, timeoutMillis);
            if (rc < 0) {
                MemorySegment state = Native.callState();
                rc = (int) POLL.invokeExact(state, pollfd, 1L, 0);
            }
            if (rc < 0) {
                MemorySegment state = Native.callState();
                int errno = Native.errno(state);
                if (errno == Errno.EINTR) {
                    return 0;
                }
                throw new LinuxException("poll(fd " + fd + ")", errno);
            }
            return rc == 0 ? 0 : pollfd.get(ValueLayout.JAVA_SHORT, POLLFD_REVENTS) & 0xFFFF;
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }
}
