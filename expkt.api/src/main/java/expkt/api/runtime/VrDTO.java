package expkt.api.runtime;

import org.osgi.dto.DTO;

/**
 * A virtual router.
 *
 * <p>Threading: a copy owned by its caller.
 */
public class VrDTO extends DTO {
    /** VR id (VR-Mgmt 0, VR-Control 1, VR-Default 2, user VRs above). */
    public int id;
    public String name;
    /** {@code NETNS} (a network namespace) or {@code VRF} (a VRF device), as {@code expkt.api.vr.VrBackend} names it. */
    public String backend;
    /** The namespace ({@code ip netns} name or path) or VRF device behind it. */
    public String location;
    /** True if it is the host's default VR. */
    public boolean hostDefault;
    /** True if the data-plane ports belong to it. */
    public boolean dataPlane;
    /**
     * True if the VR registry (bundle {@code expkt.vr}) knows it; false for the data plane's VR shown
     * while that bundle is absent (then {@link #backend} and {@link #location} are null).
     */
    public boolean registered;
}
