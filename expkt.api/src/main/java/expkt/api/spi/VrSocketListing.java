package expkt.api.spi;

import expkt.api.runtime.VrSocketDTO;
import org.osgi.annotation.versioning.ProviderType;

import java.util.List;

/**
 * The L3 and raw IP sockets the VR registry's bundles have open, as runtime DTOs: implemented by the
 * {@link expkt.api.vr.VirtualRouters} service object (the keeper's since 1.8, forwarding to {@link VrRegistryView}; so a holder of that service tests
 * {@code instanceof VrSocketListing}, as for {@link VrNamespaces}), read by the provider's
 * {@link expkt.api.runtime.ExpktRuntime#vrSockets()}. The VR bundle does not depend on the provider
 * and the provider does not depend on the VR bundle: both see only this contract.
 *
 * <p>Threading: thread-safe; takes no lock a socket's own operations hold while they wait, and waits
 * for no bundle code.
 *
 * @since 1.2
 */
@ProviderType
public interface VrSocketListing {
    /** A fresh list of fresh DTOs, owned by the caller. */
    List<VrSocketDTO> vrSockets();
}
