package expkt.linux;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Advisory whole-file locks with flock(2), the same locks the shell's {@code flock(1)} takes, so a
 * script can tell whether a process holds one (Java's {@code FileChannel.lock} uses fcntl locks, which
 * flock(1) does not see). A lock lives as long as its file descriptor: a process that dies, even by
 * SIGKILL, releases it.
 *
 * <p>Threading: stateless, any thread.
 */
public final class FileLocks {
    private static final int O_RDWR = 2;
    private static final int LOCK_EX = 2;
    private static final int LOCK_NB = 4;
    private static final MethodHandle FLOCK = Native.downcallErrno("flock",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    private FileLocks() {
    }

    /**
     * Creates {@code path} if needed and takes an exclusive flock on it without waiting. Returns the
     * file descriptor that holds the lock (close it with {@link Fds#close} to release), or -1 if another
     * open file holds it (another process, or another descriptor of this one).
     */
    public static int tryLock(Path path) throws IOException {
        if (!Files.exists(path)) {
            try {
                Files.createFile(path);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // made by the other contender a moment ago: fine, the flock decides
            }
        }
        int fd = Fds.open(path.toString(), O_RDWR | Fds.O_CLOEXEC);
        try {
            MemorySegment state = Native.callState();
            int rc = (int) FLOCK.invokeExact(state, fd, LOCK_EX | LOCK_NB);
            if (rc == 0) {
                return fd;
            }
            int errno = Native.errno(state);
            Fds.closeQuietly(fd);
            if (errno == Errno.EAGAIN) {
                return -1;
            }
            throw new LinuxException("flock(" + path + ")", errno);
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            Fds.closeQuietly(fd);
            throw Native.rethrow(t);
        }
    }
}
