package expkt.keeper.internal;

import expkt.api.handler.StateHandover;
import expkt.api.spi.PacketEngine;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * Follows the provider's {@link PacketEngine} service and moves every {@link KeptPacketService} from one
 * engine revision to the next: when the engine goes, each releases its session (its engine sockets
 * close); when the next one comes, each opens a new session and replays its sockets on it. The
 * reference is dynamic and optional, so the engine's departure deactivates nothing of the keeper's, and
 * the keeper's services (what the protocols hold) stay registered across a provider update.
 *
 * <p>The protocols' {@code PacketService} is there only while an engine serves or is being replaced:
 * the tracker registers {@link EngineReady} (which {@link KeptPacketService} requires) when the first
 * engine comes, keeps it while an engine is away for up to the grace period, and unregisters it when
 * none came back in time (or the keeper stops). So a protocol is not activated on a keeper without a
 * provider (it would wait and fail), and a protocol whose provider is gone for good is deactivated, as
 * before the keeper; an update, which brings the next engine within the grace period, deactivates nothing.
 *
 * <p>The tracker starts only once the keeper's own {@link StateHandover} is registered (a reference to
 * it that takes no service object): the protocols' reference to StateHandover is optional and greedy,
 * so a protocol activated by {@link EngineReady} before StateHandover was there would be deactivated
 * and activated again a moment later to bind it (the LLDP agent sent shutdown LLDPDUs for nothing, and
 * the provider's whiteboard, binding the agent's handler meanwhile, got null from SCR: "Service factory
 * returned null", logged as an ERROR). SCR enables this component before StateHandoverComponent, so
 * without this reference it could be activated, and register EngineReady, first.
 *
 * <p>Threading: {@link #bindEngine}/{@link #unbindEngine} run on the thread that starts or stops the
 * provider; {@link EngineReady} is registered and unregistered on the grace timer's thread
 * ({@code expkt-keeper-grace}), so no protocol component is activated on the provider's thread; one swap at a time ({@code swap}, held only while engine code runs: no protocol code is
 * called under it). A protocol thread that calls a socket during the swap waits for the next engine
 * with a deadline (the grace period, {@value #GRACE_PROPERTY}), then gets an exception naming the update.
 * The swap, the grace period and the marker's life are {@link SwappableEngineTracker}'s, shared with
 * {@link VrEngineTracker} (a separate instance, with its own lock: neither update waits for the other).
 */
@Component(service = EngineTracker.class, immediate = true)
public final class EngineTracker extends SwappableEngineTracker<PacketEngine, KeptPacketService> {
    /** The host's grace period for an update (the provider's handlers and parked sockets use it too). */
    public static final String GRACE_PROPERTY = "expkt.upgrade.grace.ms";
    static final long DEFAULT_GRACE_MILLIS = 3000;

    @Activate
    public EngineTracker(BundleContext context, @Reference(service = LoggerFactory.class) Logger log,
                         @Reference(service = StateHandover.class, target = "(component.name=expkt.keeper.internal.StateHandoverComponent)")
                         ServiceReference<StateHandover> handoverRegistered) {
        // handoverRegistered is only an ordering constraint (see the class comment): never dereferenced
        super(context, log, "expkt-keeper-grace");
    }

    @Deactivate
    void deactivate() {
        stop();
    }

    static long grace(String value) {
        if (value == null || value.isBlank()) {
            return DEFAULT_GRACE_MILLIS;
        }
        try {
            long ms = Long.parseLong(value.trim());
            if (ms >= 0) {
                return ms;
            }
        } catch (NumberFormatException ignored) {
            // falls through to the exception naming the value
        }
        throw new IllegalArgumentException(GRACE_PROPERTY + "=" + value + " is not a number of milliseconds >= 0");
    }

    /** The swap is {@link SwappableEngineTracker#engineBound}'s: EngineReady is registered on the grace timer's thread. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindEngine(PacketEngine next) {
        engineBound(next);
    }

    void unbindEngine(PacketEngine gone) {
        engineUnbound(gone);
    }

    /**
     * "SCR (bundle 13) is stopping" when the extender that runs this bundle's components (and the provider's) is
     * stopping (its update or refresh), or the framework is; null otherwise (an update of the provider: its engine
     * comes back within the grace period). For any of the keeper's trackers ({@link VrEngineTracker} too).
     */
    static String extenderStopping(BundleContext context) {
        try {
            if (context.getBundle(0).getState() == Bundle.STOPPING) {
                return "the framework is stopping";
            }
            BundleWiring wiring = context.getBundle().adapt(BundleWiring.class);
            if (wiring != null) {
                for (BundleWire w : wiring.getRequiredWires("osgi.extender")) {
                    Bundle scr = w.getProvider().getBundle();
                    if (scr.getState() == Bundle.STOPPING) {
                        return scr.getSymbolicName() + " (bundle " + scr.getBundleId() + ") is stopping";
                    }
                }
            }
            return null;
        } catch (IllegalStateException e) {
            return "the keeper is stopping"; // its context is gone
        }
    }

    // ---- SwappableEngineTracker -------------------------------------------------------------------

    @Override
    String revision(PacketEngine engine) {
        return engine.revision();
    }

    @Override
    void arrive(PacketEngine next, boolean update) {
        int failed = 0;
        for (KeptPacketService s : live()) {
            failed += s.engineArrived(next);
        }
        if (update) {
            log.info("packet engine {} took over: {} bundle(s) replayed on it{}", lastRevision(), live().size(),
                    failed == 0 ? "" : ", " + failed + " socket(s) could not be restored (expkt:keeper)");
        }
    }

    @Override
    void openOn(KeptPacketService service, PacketEngine now) {
        service.engineArrived(now);
    }

    @Override
    void leave() {
        for (KeptPacketService s : live()) {
            s.engineLeaving();
        }
        log.info("packet engine {} left: {} bundle(s) wait for the next (grace {} ms)", lastRevision(), live().size(),
                graceMillis());
    }

    @Override
    void noEngine(KeptPacketService service) {
        service.noEngine();
    }

    @Override
    String engineName() {
        return "the packet provider";
    }

    @Override
    String leftForGood(String stopping) {
        return "the packet provider (last: " + lastRevision() + ") left because " + stopping
                + ": no engine comes back before it starts again";
    }

    @Override
    void loggedLeftForGood(String stopping) {
        log.info("packet engine {} left because {}: the protocols' calls fail at once instead of waiting {} ms for it",
                lastRevision(), stopping, graceMillis());
    }

    @Override
    void warnNoEngineCame() {
        log.warn("no packet engine came back within the grace period of {} ms after {} left: the protocols' packet "
                + "service is withdrawn (their components are deactivated until a provider runs again)", graceMillis(), lastRevision());
    }

    /** The marker {@link KeptPacketService} requires. */
    @Override
    ServiceRegistration<?> registerMarker() {
        return context.registerService(EngineReady.class, new EngineReady(), null);
    }
}
