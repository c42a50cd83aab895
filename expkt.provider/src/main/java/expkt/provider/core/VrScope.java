package expkt.provider.core;

/**
 * Resolves a filter's VR name. Without the VR registry (bundle {@code expkt.vr}) the data plane is one
 * VR; with it, any VR the registry knows is accepted. Which ports a VR has is the data-plane model's
 * business ({@code DataPlaneModel.portsOfVr}: the ports whose entry named it, in its namespace).
 */
public interface VrScope {
    /**
     * The VR named {@code name}; an unknown name gives an IllegalArgumentException naming it.
     */
    Vr byName(String name);

    /** The VR with this id; an unknown id gives an IllegalArgumentException naming it. */
    Vr byId(int id);

    /**
     * A resolved VR.
     *
     * @param id EXOS VR id
     * @param name EXOS name
     * @param dataPlane true if it is the data-plane namespace's VR (informational: the ports a filter of
     *        this VR gets are {@code DataPlaneModel.portsOfVr(id)}, which also holds ports of VR namespaces)
     */
    record Vr(int id, String name, boolean dataPlane) {
    }

    /** The data plane as the only VR. */
    static VrScope single(String vrName, int vrId) {
        return new VrScope() {
            @Override
            public Vr byName(String name) {
                if (name != null && name.equalsIgnoreCase(vrName)) {
                    return new Vr(vrId, vrName, true);
                }
                throw new IllegalArgumentException("unknown VR \"" + name + "\" (known VRs: " + vrName + ")");
            }

            @Override
            public Vr byId(int id) {
                if (id == vrId) {
                    return new Vr(vrId, vrName, true);
                }
                throw new IllegalArgumentException("unknown VR id " + id + " (known VRs: " + vrName + " = " + vrId + ")");
            }
        };
    }
}
