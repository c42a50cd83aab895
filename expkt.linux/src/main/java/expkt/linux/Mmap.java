package expkt.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/** mmap(2) of a file descriptor (a packet ring) and munmap(2). */
public final class Mmap {
    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int MAP_SHARED = 1;
    public static final int MAP_LOCKED = 0x2000;
    public static final int MAP_POPULATE = 0x8000;

    private static final MethodHandle MMAP = Native.downcallErrno("mmap",
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
    private static final MethodHandle MUNMAP = Native.downcallErrno("munmap",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));

    private Mmap() {
    }

    /**
     * Maps {@code length} bytes of {@code fd}, shared, read-write. The segment belongs to {@code arena}:
     * closing the arena unmaps it, and (for a shared arena) makes any later access from any thread fail
     * with an exception instead of a crash.
     */
    public static MemorySegment map(int fd, long length, Arena arena) throws LinuxException {
        try {
            MemorySegment state = Native.callState();
            MemorySegment p = (MemorySegment) MMAP.invokeExact(state, MemorySegment.NULL, length, PROT_READ | PROT_WRITE,
                    MAP_SHARED | MAP_POPULATE, fd, 0L);
            if (p.address() == -1L) {
                throw new LinuxException("mmap(fd " + fd + ", " + length + " bytes)", Native.errno(state));
            }
            return p.reinterpret(length, arena, seg -> {
                try {
                    MemorySegment st = Native.callState();
                    int rc = (int) MUNMAP.invokeExact(st, seg, length);
                    if (rc < 0) {
                        System.getLogger(Mmap.class.getName()).log(System.Logger.Level.WARNING,
                                "munmap of " + length + " bytes failed: errno " + Native.errno(st));
                    }
                } catch (Throwable t) {
                    throw Native.rethrow(t);
                }
            });
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

}
