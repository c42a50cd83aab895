package expkt.linux;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * epoll(7) and eventfd(2): one thread waits on many sockets. {@link #wait} takes a caller-owned
 * event array and allocates nothing (in interpreted and C1 code too: see {@link #WAIT_PLAIN}).
 */
public final class Epoll {
    public static final int EPOLL_CLOEXEC = 0x80000;
    public static final int EPOLL_CTL_ADD = 1;
    public static final int EPOLL_CTL_DEL = 2;
    public static final int EPOLL_CTL_MOD = 3;
    public static final int EPOLLIN = 0x1;
    public static final int EPOLLERR = 0x8;
    public static final int EPOLLHUP = 0x10;
    /** Edge-triggered: reported once per wake-up of the file, not while it stays readable. */
    public static final int EPOLLET = 1 << 31;
    public static final int EFD_CLOEXEC = 0x80000;
    public static final int EFD_NONBLOCK = 0x800;
    /**
     * {@code sizeof(struct epoll_event)}: u32 events, u64 data; packed (12 bytes) on x86-64, 16 on
     * aarch64 (see {@link StructLayouts}).
     */
    public static final int EVENT_SIZE = StructLayouts.size("struct epoll_event");
    private static final int EVENT_EVENTS = StructLayouts.offset("struct epoll_event", "events");
    private static final int EVENT_DATA = StructLayouts.offset("struct epoll_event", "data");

    private static final MethodHandle CREATE = Native.downcallErrno("epoll_create1",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle CTL = Native.downcallErrno("epoll_ctl",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS));
    private static final MethodHandle WAIT = Native.downcallErrno("epoll_wait",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT));
    /**
     * The same call without errno capture: the wait of every wake-up. A capturing downcall slices its
     * call-state segment on every call (the linker's check), a 40-byte object that only C2, once it has
     * inlined the whole call, removes; a lane's loop turns once per wake-up and runs as C1 code for a long
     * time, so the capturing binding allocated 40 bytes per wake-up. The rare failure is asked again
     * through {@link #WAIT} (see {@link #wait}).
     */
    private static final MethodHandle WAIT_PLAIN = Native.downcall("epoll_wait",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT));
    private static final MethodHandle EVENTFD = Native.downcallErrno("eventfd",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    // signal and drain ignore the result: no errno capture (a capturing downcall allocates per call until C2 inlines it)
    private static final MethodHandle WRITE = Native.downcall("write",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle READ = Native.downcall("read",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));

    private Epoll() {
    }

    public static int create() throws LinuxException {
        try {
            MemorySegment state = Native.callState();
            int fd = (int) CREATE.invokeExact(state, EPOLL_CLOEXEC);
            if (fd < 0) {
                throw new LinuxException("epoll_create1()", Native.errno(state));
            }
            return fd;
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** epoll_ctl with one event in {@code scratch} ({@link #EVENT_SIZE} bytes, caller-owned). */
    public static void ctl(int epfd, int op, int fd, int events, long data, MemorySegment scratch) throws LinuxException {
        scratch.set(ValueLayout.JAVA_INT_UNALIGNED, EVENT_EVENTS, events);
        scratch.set(ValueLayout.JAVA_LONG_UNALIGNED, EVENT_DATA, data);
        try {
            MemorySegment state = Native.callState();
            int rc = (int) CTL.invokeExact(state, epfd, op, fd, scratch);
            if (rc < 0) {
                throw new LinuxException("epoll_ctl(" + epfd + ", op " + op + ", fd " + fd + ")", Native.errno(state));
            }
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /**
     * Waits for up to {@code max} events into {@code events}; returns how many (0 on timeout or EINTR).
     * Allocates nothing, whichever JIT tier runs it: the wait itself does not capture errno; when it fails,
     * the same wait is made again with a zero timeout through the capturing binding, whose errno is then
     * the failure's own — an EINTR does not recur there (that call returns what is ready, maybe 0), a lasting
     * error (EBADF, EINVAL, EFAULT) fails again and is reported with its errno.
     */
    public static int wait(int epfd, MemorySegment events, int max, int timeoutMillis) throws LinuxException {
        try {
            int n = (int) WAIT_PLAIN.invokeExact(epfd, events, max, timeoutMillis);
            if (n >= 0) {
                return n;
            }
            MemorySegment state = Native.callState();
            n = (int) WAIT.invokeExact(state, epfd, events, max, 0);
            if (n < 0) {
                int errno = Native.errno(state);
                if (errno == Errno.EINTR) {
                    return 0;
                }
                throw new LinuxException("epoll_wait(" + epfd + ")", errno);
            }
            return n;
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    public static int eventMask(MemorySegment events, int i) {
        return events.get(ValueLayout.JAVA_INT_UNALIGNED, (long) i * EVENT_SIZE + EVENT_EVENTS);
    }

    public static long eventData(MemorySegment events, int i) {
        return events.get(ValueLayout.JAVA_LONG_UNALIGNED, (long) i * EVENT_SIZE + EVENT_DATA);
    }

    public static int eventfd() throws LinuxException {
        try {
            MemorySegment state = Native.callState();
            int fd = (int) EVENTFD.invokeExact(state, 0, EFD_CLOEXEC | EFD_NONBLOCK);
            if (fd < 0) {
                throw new LinuxException("eventfd()", Native.errno(state));
            }
            return fd;
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** Adds 1 to an eventfd (wakes its waiter); {@code scratch} is 8 caller-owned bytes. */
    public static void signal(int eventFd, MemorySegment scratch) {
        scratch.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 1L);
        try {
            long ignored = (long) WRITE.invokeExact(eventFd, scratch, 8L);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** Resets an eventfd; {@code scratch} is 8 caller-owned bytes. */
    public static void drain(int eventFd, MemorySegment scratch) {
        try {
            long ignored = (long) READ.invokeExact(eventFd, scratch, 8L);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }
}
