package expkt.api.spi;

import expkt.api.vr.VirtualRouters;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One revision's VR registry as one bundle sees it ({@link VrEngine#virtualRouters}): the VRs and the bundle's
 * affinity ({@link VirtualRouters}), which VR a namespace is and the change notifications ({@link VrNamespaces}),
 * and the open VR sockets ({@link VrSocketListing}). The keeper ({@code expkt.keeper}) registers the
 * {@link VirtualRouters} service the protocols and the provider hold and forwards to this object of the revision
 * serving, so an update of {@code expkt.vr} deactivates no component that references {@code VirtualRouters}.
 *
 * <p>Threading: thread-safe.
 *
 * @since 1.8
 */
@ProviderType
public interface VrRegistryView extends VirtualRouters, VrNamespaces, VrSocketListing {
}
