package expkt.api.spi;

import expkt.api.vr.VirtualRouter;
import org.osgi.annotation.versioning.ProviderType;

import java.util.Optional;

/**
 * Which VR a network namespace is: implemented by the VR registry's {@link expkt.api.vr.VirtualRouters}
 * service object (so a holder of that service tests {@code instanceof VrNamespaces}), used by the
 * provider to learn the VR of its data plane's ports. Not for protocol bundles (see the package).
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
}
