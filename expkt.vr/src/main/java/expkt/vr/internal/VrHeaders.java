package expkt.vr.internal;

/** Names a protocol bundle uses to declare its VR. */
public final class VrHeaders {
    /** Manifest header: the VR every socket of the bundle opens in, e.g. {@code Expkt-VirtualRouter: VR-Default}. */
    public static final String VIRTUAL_ROUTER = "Expkt-VirtualRouter";
    /** Framework property: the host's default VR (default VR-Mgmt). */
    public static final String DEFAULT_VR_PROPERTY = "expkt.vr.default";
    /** Framework property: the data plane's namespace, which is VR-Default's unless configured otherwise. */
    public static final String DATAPLANE_NETNS_PROPERTY = "expkt.dataplane.netns";
    public static final String MGMT_NETNS_PROPERTY = "expkt.vr.mgmt.netns";
    public static final String CONTROL_NETNS_PROPERTY = "expkt.vr.control.netns";
    public static final String DEFAULT_NETNS_PROPERTY = "expkt.vr.default.netns";

    private VrHeaders() {
    }
}
