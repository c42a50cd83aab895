package expkt.vr.component;

import expkt.api.spi.BundleIdentity;
import expkt.api.spi.VrEngine;
import expkt.api.spi.VrRegistryView;
import expkt.vr.internal.RegistryView;
import expkt.api.spi.VrSession;
import expkt.vr.internal.SocketOwner;
import expkt.vr.internal.VrSocketsImpl;
import expkt.vr.internal.VrTable;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * This revision of {@code expkt.vr} as the keeper's engine ({@link VrEngine}): the keeper
 * ({@code expkt.keeper}) registers the protocols' {@code VrSockets} and opens a {@link VrSession} here for
 * each of them, and registers {@code VirtualRouters} and asks {@link #virtualRouters} for each of its users
 * (since 2026-12-02, branch {@code vrreg}; this bundle registered it itself before), so an update of this bundle unregisters only this service, which no protocol references
 * (until 2026-12-02 this bundle registered {@code VrSockets} itself, and its update deactivated every
 * component referencing it). The sessions' sockets are closed by the keeper ({@link VrSession#release}),
 * raw sockets parked first so that the next revision adopts their descriptors.
 *
 * <p>Threading: SCR's threads; sessions are thread-safe.
 */
@Component(service = VrEngine.class)
public final class VrEngineComponent implements VrEngine {
    private final VrRegistry registry;
    private final String revision;

    @Activate
    public VrEngineComponent(BundleContext context, @Reference VrRegistry registry) {
        this.registry = registry;
        Bundle b = context.getBundle();
        this.revision = b.getSymbolicName() + " " + b.getVersion() + " (bundle " + b.getBundleId() + ", installed or updated "
                + java.time.Instant.ofEpochMilli(b.getLastModified()) + ")";
    }

    @Override
    public VrSession session(BundleIdentity owner, String declaredVr) {
        VrTable table = registry.table();
        SocketOwner sockets = new SocketOwner(owner);
        String bsn = owner.symbolicName();
        VrSocketsImpl session = new VrSocketsImpl(table, registry.exec(), sockets, () -> table.affinity(bsn, declaredVr),
                registry::dispatcher, () -> revision);
        table.addOwner(sockets);
        return session;
    }

    /** The registry as {@code owner} sees it: the keeper's {@code VirtualRouters} forwards here (spi 1.8.0). */
    @Override
    public VrRegistryView virtualRouters(BundleIdentity owner, String declaredVr) {
        return new RegistryView(registry.table(), owner.symbolicName(), declaredVr);
    }

    @Override
    public String revision() {
        return revision;
    }
}
