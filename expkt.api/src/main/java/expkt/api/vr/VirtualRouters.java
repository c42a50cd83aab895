package expkt.api.vr;

import org.osgi.annotation.versioning.ProviderType;

import java.util.List;

/**
 * The VR registry. A per-bundle service: {@link #affinity()} is the VR of the bundle that got it
 * (its own declared VR, else the host's default).
 *
 * <p>Which VR a network namespace is (how the provider learns a port's VR) is not part of this
 * contract since 2.0: the service object implements {@link expkt.api.spi.VrNamespaces} for the provider.
 * The service is registered by the keeper ({@code expkt.keeper}), which forwards to the revision of
 * {@code expkt.vr} serving: an update of {@code expkt.vr} does not deactivate a component referencing it.
 */
@ProviderType
public interface VirtualRouters {
    /** The VR of that name; an unknown name gives an {@link IllegalArgumentException} naming it. */
    VirtualRouter byName(String name);

    /** The VR of that id; an unknown id gives an {@link IllegalArgumentException} naming it. */
    VirtualRouter byId(int id);

    /** Every VR, by id. */
    List<VirtualRouter> list();

    /**
     * The calling bundle's VR: the operator's configuration for it (factory PID
     * {@code expkt.vr.affinity}) if any, else the VR its manifest header {@code Expkt-VirtualRouter}
     * names, else the host default (VR-Mgmt unless configured). A name that is not a known VR gives an
     * {@link IllegalArgumentException} naming the bundle, where the name came from, and the name.
     */
    VirtualRouter affinity();

    /** The host's default VR: {@code VR-Mgmt} unless the framework property {@code expkt.vr.default} names another. */
    VirtualRouter hostDefault();
}
