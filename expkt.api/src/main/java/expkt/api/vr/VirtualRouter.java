package expkt.api.vr;

import java.util.Objects;

/**
 * One virtual router. Made by the VR registry ({@link VirtualRouters}); immutable and thread-safe.
 *
 * <p>A final class, not a record (since 2.0): a record's canonical constructor would make every new
 * field a breaking change. equals, hashCode and toString are over all fields.
 */
public final class VirtualRouter {
    public static final int VR_MGMT = 0;
    public static final int VR_CONTROL = 1;
    public static final int VR_DEFAULT = 2;
    public static final String VR_MGMT_NAME = "VR-Mgmt";
    public static final String VR_CONTROL_NAME = "VR-Control";
    public static final String VR_DEFAULT_NAME = "VR-Default";
    /** The name a listening socket uses to serve every VR. */
    public static final String ALL = "ALL";

    private final int id;
    private final String name;
    private final VrBackend backend;
    private final String location;

    private VirtualRouter(int id, String name, VrBackend backend, String location) {
        this.id = id;
        this.name = name;
        this.backend = backend;
        this.location = location;
    }

    /**
     * A VR; a bad value gives an {@link IllegalArgumentException} naming it.
     *
     * @param id EXOS VR id (0 or more): VR-Mgmt 0, VR-Control 1, VR-Default 2, user VRs above
     * @param name EXOS name, e.g. {@code VR-Default}
     * @param backend namespace or VRF device
     * @param location see {@link #location()}; not null (empty: the host's own namespace)
     * @since 2.0
     */
    public static VirtualRouter of(int id, String name, VrBackend backend, String location) {
        if (id < 0) {
            throw new IllegalArgumentException("VR \"" + name + "\": id " + id + " is negative");
        }
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("VR " + id + ": name is " + (name == null ? "null" : "blank (\"" + name + "\")"));
        }
        if (backend == null) {
            throw new IllegalArgumentException("VR \"" + name + "\" (" + id + "): backend is null");
        }
        if (location == null) {
            throw new IllegalArgumentException("VR \"" + name + "\" (" + id + "): location is null (empty means the host's namespace)");
        }
        return new VirtualRouter(id, name, backend, location);
    }

    /** EXOS VR id: VR-Mgmt 0, VR-Control 1, VR-Default 2, user VRs above. */
    public int id() {
        return id;
    }

    /** EXOS name, e.g. {@code VR-Default}. */
    public String name() {
        return name;
    }

    /** Namespace or VRF device. */
    public VrBackend backend() {
        return backend;
    }

    /**
     * For {@link VrBackend#NETNS}: the namespace's {@code ip netns} name or path (empty: the host's own
     * namespace); for {@link VrBackend#VRF}: the VRF device name.
     */
    public String location() {
        return location;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VirtualRouter v && id == v.id && name.equals(v.name) && backend == v.backend && location.equals(v.location);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, name, backend, location);
    }

    /** As the record this was printed: {@code VirtualRouter[id=2, name=VR-Default, ...]}. */
    @Override
    public String toString() {
        return "VirtualRouter[id=" + id + ", name=" + name + ", backend=" + backend + ", location=" + location + "]";
    }
}
