package expkt.api.vr;

import org.osgi.annotation.versioning.ProviderType;

import java.util.List;

/**
 * The VR registry. A per-bundle service: {@link #affinity()} is the VR of the bundle that got it
 * (its own declared VR, else the host's default).
 */
@ProviderType
public interface VirtualRouters {
    /** The VR of that name; an unknown name gives an {@link IllegalArgumentException} naming it. */
    VirtualRouter byName(String name);

    /** The VR of that id; an unknown id gives an {@link IllegalArgumentException} naming it. */
    VirtualRouter byId(int id);

    /** Every VR, by id. */
    List<VirtualRouter> list();

    /** The calling bundle's VR: its own if it declares one, else the host default (VR-Mgmt unless configured). */
    VirtualRouter affinity();
}
