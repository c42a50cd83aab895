package expkt.provider.component;

import expkt.api.spi.BundleIdentity;
import expkt.api.spi.EngineSession;
import expkt.api.spi.PacketEngine;
import expkt.provider.socket.OwnedPacketService;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import java.util.function.BooleanSupplier;

/**
 * The provider's engine for the keeper: the keeper registers
 * {@code PacketService} for the protocols and opens one session per protocol bundle here. This service
 * goes when the provider stops or is updated, the keeper's stays, so no protocol component is
 * deactivated by a provider update (expkt.provider/DESIGN.md, step 3).
 *
 * <p>Threading: thread-safe (sessions are {@link OwnedPacketService}s).
 */
@Component(service = PacketEngine.class)
public final class PacketEngineComponent implements PacketEngine {
    private final L2Provider provider;
    private final String revision;

    @Activate
    public PacketEngineComponent(BundleContext context, @Reference L2Provider provider) {
        this.provider = provider;
        Bundle b = context.getBundle();
        this.revision = revision(b);
    }

    /** E.g. {@code expkt.provider 0.1.0.SNAPSHOT (bundle 16, jar of 2026-12-02T08:01:02Z)}: changes with every update. */
    static String revision(Bundle b) {
        return b.getSymbolicName() + " " + b.getVersion() + " (bundle " + b.getBundleId() + ", installed or updated "
                + java.time.Instant.ofEpochMilli(b.getLastModified()) + ")";
    }

    @Override
    public EngineSession session(BundleIdentity owner, BooleanSupplier ownerStopping) {
        return new OwnedPacketService(provider.engine(), owner, ownerStopping);
    }

    @Override
    public String revision() {
        return revision;
    }
}
