package expkt.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The linker, libc lookup and errno capture shared by every binding of this package.
 *
 * <p>Threading: downcalls that capture errno take a per-thread call-state segment
 * ({@link #callState()}), allocated once per thread, so a downcall on a hot path allocates nothing.
 */
public final class Native {
    /**
     * Every binding goes through this class: on an architecture whose struct layouts are not known
     * its initialisation fails with the UnsupportedOperationException that names the architecture.
     */
    public static final StructLayouts.Arch ARCH = StructLayouts.requireKnownArchitecture();
    static final Linker LINKER = Linker.nativeLinker();
    static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    private static final ThreadLocal<MemorySegment> STATE =
            ThreadLocal.withInitial(() -> Arena.global().allocate(CALL_STATE));

    private static final MethodHandle STRERROR = downcall("strerror",
            FunctionDescriptor.of(ValueLayout.ADDRESS.withTargetLayout(MemoryLayout.sequenceLayout(1024, ValueLayout.JAVA_BYTE)),
                    ValueLayout.JAVA_INT));

    private Native() {
    }

    /** A downcall to libc's {@code name} that does not capture errno. */
    public static MethodHandle downcall(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(find(name), fd);
    }

    /**
     * A downcall to libc's {@code name} whose first parameter is the call-state segment
     * ({@link #callState()}), so that {@link #errno(MemorySegment)} reads the errno it left.
     */
    public static MethodHandle downcallErrno(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(find(name), fd, CAPTURE_ERRNO);
    }

    private static MemorySegment find(String name) {
        return LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
    }

    /** This thread's call-state segment (allocated once per thread, never freed: threads are few). */
    public static MemorySegment callState() {
        return STATE.get();
    }

    public static int errno(MemorySegment callState) {
        return (int) ERRNO.get(callState, 0L);
    }

    static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    /** Rethrows what a MethodHandle.invokeExact threw, unchanged if unchecked. */
    public static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("downcall failed", t);
    }
}
