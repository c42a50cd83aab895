package expkt.api.spi;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The VR bundle's engine as the keeper ({@code expkt.keeper}) sees it: {@code expkt.vr} registers it, the
 * keeper registers the protocols' {@link expkt.api.vr.VrSockets} (and, since 1.8.0,
 * {@link expkt.api.vr.VirtualRouters}) and forwards to a {@link VrSession} of the
 * current revision. An update of {@code expkt.vr} then unregisters only this service, which no protocol
 * references, so no protocol component is deactivated; the keeper moves each kept socket to the next
 * revision ({@link VrSession#park} / {@link VrSession#adopt}) and forwards {@code VirtualRouters} to the next
 * revision's {@link VrRegistryView}.
 *
 * <p>Threading: thread-safe.
 */
@ProviderType
public interface VrEngine {
    /**
     * One owner's sockets on this revision. {@code declaredVr} is the owner's {@code Expkt-VirtualRouter}
     * manifest header (null if none): with the owner's symbolic name it gives the owner's VR affinity.
     */
    VrSession session(BundleIdentity owner, String declaredVr);

    /**
     * This revision's VR registry as {@code owner} sees it ({@code declaredVr} as for {@link #session}: with the
     * owner's symbolic name it gives {@link expkt.api.vr.VirtualRouters#affinity()}). Opens nothing and lists the
     * owner nowhere: the keeper asks for one per bundle holding its {@code VirtualRouters} and drops it when this
     * revision leaves, closing the {@link VrNamespaces#onVrChange} handles it took. (1.8.0)
     */
    VrRegistryView virtualRouters(BundleIdentity owner, String declaredVr);

    /** Names this revision (symbolic name, version, bundle id, when installed or updated): changes with every update. */
    String revision();
}
