package expkt.provider.component;

import expkt.provider.socket.L2Engine;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * The bundle events that end or extend the wait of parked callback sockets (a socket its bundle closed
 * while STOPPING, kept for the bundle's next revision: {@code PacketSocketImpl#close(long)}): an
 * UNINSTALLED bundle's parked sockets are closed at once (no next revision will come), an UPDATED one's
 * wait a full grace period again. Sets the grace period from the framework property
 * {@value HandlerWhiteboard#GRACE_PROPERTY} (the handlers' too; default {@value L2Engine#DEFAULT_GRACE_MILLIS} ms,
 * 0: callback sockets are never parked).
 *
 * <p>Threading: the listener runs on the thread that changes the bundle (synchronous: before the
 * next revision starts).
 */
@Component(immediate = true, service = {})
public final class SocketParking {
    private final BundleContext context;
    private final SynchronousBundleListener listener;

    @Activate
    public SocketParking(BundleContext context, @Reference L2Provider provider) {
        this.context = context;
        L2Engine engine = provider.engine();
        engine.graceMillis(HandlerWhiteboard.grace(context.getProperty(HandlerWhiteboard.GRACE_PROPERTY)));
        this.listener = event -> {
            if (event.getType() == BundleEvent.UNINSTALLED) {
                engine.closeParked(event.getBundle().getBundleId(), "its bundle was uninstalled");
            } else if (event.getType() == BundleEvent.UPDATED && event.getBundle().getSymbolicName() != null) {
                engine.restartGrace(event.getBundle().getSymbolicName());
            }
        };
        context.addBundleListener(listener);
    }

    @Deactivate
    void deactivate() {
        context.removeBundleListener(listener);
    }
}
