package expkt.api.spi;

import expkt.api.vr.VirtualRouter;
import org.osgi.annotation.versioning.ProviderType;

import java.util.Optional;

/**
 * Which VR a network namespace is: implemented by the {@link expkt.api.vr.VirtualRouters} service object
 * (so a holder of that service tests {@code instanceof VrNamespaces}; since 1.8 that object is the keeper's,
 * forwarding to {@code expkt.vr}'s {@link VrRegistryView}), used by the provider to learn the VR of its data
 * plane's ports. Not for protocol bundles (see the package).
 *
 * <p>Threading: thread-safe.
 */
@ProviderType
public interface VrNamespaces {
    /**
     * The VR a network namespace belongs to, by the namespace's inode (as {@code stat} on
     * {@code /proc/<pid>/ns/net} or {@code /run/netns/<name>} gives it). When several VRs share a
     * namespace (an unconfigured host puts the built-in VRs all in its own), the highest id wins: user
     * VRs, then VR-Default, VR-Control, VR-Mgmt. Empty when no namespace-backed VR is that namespace.
     */
    Optional<VirtualRouter> byNamespaceInode(long inode);

    /**
     * Calls {@code listener} after each VR added to or removed from the registry (since 1.3: the
     * provider applies a data-plane configuration whose ports name a VR again once that VR exists, so
     * the order in which ConfigAdmin delivers the two configurations at start-up does not matter). The
     * call comes on the thread that changed the registry, outside its locks: the listener must return
     * at once (hand any work to a thread of its own). Closing the returned handle stops the calls.
     */
    AutoCloseable onVrChange(Runnable listener);
}
