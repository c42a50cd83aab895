package expkt.provider.component;

import expkt.api.packet.PacketSelector;
import expkt.api.packet.PacketService;
import expkt.api.packet.PacketSocket;
import expkt.api.packet.RxMode;
import expkt.api.packet.Port;
import expkt.api.packet.Vlan;
import expkt.api.spi.BundleIdentity;
import expkt.provider.socket.OwnedPacketService;
import org.osgi.framework.Bundle;
import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ServiceScope;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import java.io.IOException;
import java.util.List;

/**
 * The per-bundle {@link PacketService} (bundle scope: DS makes one instance per using bundle, a
 * ServiceFactory underneath). When the bundle stops, the framework releases its services and this
 * instance is deactivated: every socket the bundle opened is closed, with its filters and nftables
 * rules, even if the bundle's code never closed them; or, while the bundle is STOPPING for an update (or a
 * refresh, a transient stop: its next revision will start), parked for the bundle's next revision: the
 * socket's kernel part (fd, ring, BPF, nft rules) is kept
 * for the grace period {@code expkt.upgrade.grace.ms}, and the next revision that opens a socket and sets
 * up the same filter adopts it with the frames queued meanwhile (README-handlers.md, "Callback sockets").
 */
@Component(service = PacketService.class, scope = ServiceScope.BUNDLE)
public final class PacketServiceComponent implements PacketService {
    private final OwnedPacketService delegate;
    private final Logger logger;

    @Activate
    public PacketServiceComponent(ComponentContext context, @Reference L2Provider provider,
                                  @Reference(service = LoggerFactory.class) Logger logger) {
        Bundle b = context.getUsingBundle();
        BundleIdentity owner = b == null ? BundleIdentity.outsideOsgi("(unknown)")
                : BundleIdentity.of(b.getBundleId(), String.valueOf(b.getSymbolicName()), b.getVersion().toString());
        // a socket closed while the bundle is STOPPING for an update is parked for its next revision. An
        // operator's stop (Bundle.stop(), Gogo "stop N") first marks the bundle not persistently started:
        // no revision is coming, so its sockets are closed at once, as the host promises for a stopped bundle
        this.delegate = new OwnedPacketService(provider.engine(), owner,
                b == null ? null : () -> b.getState() == Bundle.STOPPING && startsAgain(b));
        this.logger = logger;
    }

    /**
     * Whether a STOPPING bundle is to start again: an update, a refresh and a transient stop leave it
     * persistently started (Felix marks it stopped before STOPPING only for a persistent stop).
     */
    static boolean startsAgain(Bundle b) {
        org.osgi.framework.startlevel.BundleStartLevel level = b.adapt(org.osgi.framework.startlevel.BundleStartLevel.class);
        return level != null && level.isPersistentlyStarted();
    }

    @Deactivate
    void deactivate() {
        int n = delegate.release();
        if (n > 0) {
            logger.info("{} released the packet service with {} socket(s) still open: closed them with their filters",
                    delegate.owner().withVersion(), n);
        }
    }

    @Override
    public PacketSocket socket(int domain, int type, int protocol) throws IOException {
        return delegate.socket(domain, type, protocol);
    }

    @Override
    public PacketSocket open() throws IOException {
        return delegate.open();
    }

    @Override
    public PacketSocket open(RxMode mode) throws IOException {
        return delegate.open(mode);
    }

    @Override
    public PacketSelector selector() throws IOException {
        return delegate.selector();
    }

    @Override
    public List<Port> ports() {
        return delegate.ports();
    }

    @Override
    public List<Vlan> vlans() {
        return delegate.vlans();
    }
}
