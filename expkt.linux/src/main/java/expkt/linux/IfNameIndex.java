package expkt.linux;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * if_nameindex(3): the interfaces of the calling thread's network namespace. Unlike
 * /sys/class/net (which shows the namespace sysfs was mounted in), this asks the kernel over netlink
 * from the calling thread, so inside {@link NetNs#call} it lists that namespace's interfaces.
 */
public final class IfNameIndex {
    /** One interface: index and name. */
    public record Interface(int index, String name) {
    }

    private static final AddressLayout C_STRING = ValueLayout.ADDRESS.withTargetLayout(
            MemoryLayout.sequenceLayout(64, ValueLayout.JAVA_BYTE));
    private static final MethodHandle IF_NAMEINDEX = Native.downcallErrno("if_nameindex",
            FunctionDescriptor.of(ValueLayout.ADDRESS));
    private static final MethodHandle IF_FREENAMEINDEX = Native.downcall("if_freenameindex",
            FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
    /** struct if_nameindex { unsigned int if_index; char *if_name; } = 16 bytes on LP64. */
    private static final long ENTRY = StructLayouts.size("struct if_nameindex");
    private static final long INDEX = StructLayouts.offset("struct if_nameindex", "if_index");
    private static final long NAME = StructLayouts.offset("struct if_nameindex", "if_name");

    private IfNameIndex() {
    }

    /** The interfaces of the calling thread's namespace, in kernel order. */
    public static List<Interface> list() throws LinuxException {
        try {
            MemorySegment state = Native.callState();
            MemorySegment head = (MemorySegment) IF_NAMEINDEX.invokeExact(state);
            if (head.equals(MemorySegment.NULL)) {
                throw new LinuxException("if_nameindex()", Native.errno(state));
            }
            try {
                MemorySegment arr = head.reinterpret(Long.MAX_VALUE);
                List<Interface> out = new ArrayList<>();
                for (long off = 0; ; off += ENTRY) {
                    int index = arr.get(ValueLayout.JAVA_INT, off + INDEX);
                    MemorySegment name = arr.get(C_STRING, off + NAME);
                    if (index == 0 && name.equals(MemorySegment.NULL)) {
                        break;
                    }
                    out.add(new Interface(index, name.getString(0)));
                }
                return out;
            } finally {
                IF_FREENAMEINDEX.invokeExact(head);
            }
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }
}
