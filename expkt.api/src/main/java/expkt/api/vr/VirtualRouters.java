package expkt.api.vr;

import org.osgi.annotation.versioning.ProviderType;

import java.util.List;
import java.util.Optional;

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

    /**
     * The calling bundle's VR: the operator's configuration for it (factory PID
     * {@code expkt.vr.affinity}) if any, else the VR its manifest header {@code Expkt-VirtualRouter}
     * names, else the host default (VR-Mgmt unless configured). A name that is not a known VR gives an
     * {@link IllegalArgumentException} naming the bundle, where the name came from, and the name.
     */
    VirtualRouter affinity();

    /** The host's default VR: {@code VR-Mgmt} unless the framework property {@code expkt.vr.default} names another. */
    VirtualRouter hostDefault();

    /**
     * The VR a network namespace belongs to, by the namespace's inode (as {@code stat} on
     * {@code /proc/<pid>/ns/net} or {@code /run/netns/<name>} gives it): how the L2 side learns which
     * VR a port (an interface of that namespace) is in. When several VRs share a namespace (an
     * unconfigured host puts the built-in VRs all in its own), the highest id wins: user VRs, then
     * VR-Default, VR-Control, VR-Mgmt. Empty when no namespace-backed VR is that namespace.
     */
    Optional<VirtualRouter> byNamespaceInode(long inode);
}
