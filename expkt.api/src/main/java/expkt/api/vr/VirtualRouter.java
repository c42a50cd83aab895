package expkt.api.vr;

/**
 * One virtual router.
 *
 * @param id EXOS VR id: VR-Mgmt 0, VR-Control 1, VR-Default 2, user VRs above
 * @param name EXOS name, e.g. {@code VR-Default}
 * @param backend namespace or VRF device
 * @param location for {@link VrBackend#NETNS}: the namespace's {@code ip netns} name or path (empty:
 *        the host's own namespace); for {@link VrBackend#VRF}: the VRF device name
 */
public record VirtualRouter(int id, String name, VrBackend backend, String location) {
    public static final int VR_MGMT = 0;
    public static final int VR_CONTROL = 1;
    public static final int VR_DEFAULT = 2;
    public static final String VR_MGMT_NAME = "VR-Mgmt";
    public static final String VR_CONTROL_NAME = "VR-Control";
    public static final String VR_DEFAULT_NAME = "VR-Default";
    /** The name a listening socket uses to serve every VR. */
    public static final String ALL = "ALL";
}
