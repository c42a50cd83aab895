package expkt.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/** open(2) and close(2) on raw file descriptors. */
public final class Fds {
    public static final int O_RDONLY = 0;
    public static final int O_CLOEXEC = 0x80000;

    private static final MethodHandle OPEN = Native.downcallErrno("open",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle CLOSE = Native.downcallErrno("close",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    private Fds() {
    }

    /** Opens {@code path} with {@code flags}; the error names the path. */
    public static int open(String path, int flags) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.callState();
            int fd = (int) OPEN.invokeExact(state, arena.allocateFrom(path), flags);
            if (fd < 0) {
                throw new LinuxException("open(" + path + ")", Native.errno(state));
            }
            return fd;
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** Closes {@code fd}; a negative fd is ignored. */
    public static void close(int fd) throws LinuxException {
        if (fd < 0) {
            return;
        }
        try {
            MemorySegment state = Native.callState();
            int rc = (int) CLOSE.invokeExact(state, fd);
            if (rc < 0) {
                throw new LinuxException("close(" + fd + ")", Native.errno(state));
            }
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** Closes {@code fd}, ignoring failure (for cleanup paths that must not throw). */
    public static void closeQuietly(int fd) {
        try {
            close(fd);
        } catch (LinuxException ignored) {
            // the fd is released by the kernel even when close reports an error (EINTR, EIO)
        }
    }
}
