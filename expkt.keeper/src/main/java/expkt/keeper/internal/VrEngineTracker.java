package expkt.keeper.internal;

import expkt.api.spi.VrEngine;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
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
 * Follows {@code expkt.vr}'s {@link VrEngine} service and moves every {@link KeptVrSockets} from one
 * revision to the next, as {@link EngineTracker} does for the packet engine, with the same rules: a
 * dynamic optional reference (the engine's departure deactivates nothing), the same grace period
 * ({@value EngineTracker#GRACE_PROPERTY}, read with {@link EngineTracker#grace}), no grace period when SCR or
 * the framework is stopping ({@link EngineTracker#extenderStopping}), and a marker ({@link VrEngineReady})
 * registered on a timer thread while an engine serves or is expected back, which the protocols'
 * {@code VrSockets} requires. When the engine goes, each kept socket's kernel part (a raw socket's descriptor,
 * an L3 socket's channel, an ALL socket's channels and selector) is parked; when the next comes, it adopts them.
 *
 * <p>A second tracker instance rather than one for both engines: the two engines are independent services with
 * their own swap (an update of one must not wait for the other). What the two do alike (the swap, the grace
 * period, the marker's life) is {@link SwappableEngineTracker}'s; this class says what the VR engine's services do
 * and log.
 *
 * <p>Threading: bind/unbind on the thread that starts or stops {@code expkt.vr}; {@link VrEngineReady} is
 * registered and unregistered on the timer thread {@code expkt-keeper-vr-grace}; one swap at a time
 * ({@code swap}, held only while engine code runs, never protocol code). A protocol thread calling during
 * the swap waits on {@link #engineChanged()} with a deadline (the grace period).
 */
@Component(service = VrEngineTracker.class, immediate = true)
public final class VrEngineTracker extends SwappableEngineTracker<VrEngine, KeptVrSockets> {

    @Activate
    public VrEngineTracker(BundleContext context, @Reference(service = LoggerFactory.class) Logger log) {
        super(context, log, "expkt-keeper-vr-grace");
    }

    @Deactivate
    void deactivate() {
        stop();
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindEngine(VrEngine next) {
        engineBound(next);
    }

    void unbindEngine(VrEngine gone) {
        engineUnbound(gone);
    }

    // ---- SwappableEngineTracker -------------------------------------------------------------------

    @Override
    String revision(VrEngine engine) {
        return engine.revision();
    }

    @Override
    void arrive(VrEngine next, boolean update) {
        int failed = 0;
        int adopted = 0;
        for (KeptVrSockets s : live()) {
            int[] r = s.engineArrived(next);
            adopted += r[0];
            failed += r[1];
        }
        if (update) {
            log.info("VR engine {} took over: {} bundle(s), {} socket(s) adopted{}", lastRevision(), live().size(), adopted,
                    failed == 0 ? "" : ", " + failed + " could not be restored (expkt:keeper)");
        }
    }

    @Override
    void openOn(KeptVrSockets service, VrEngine now) {
        service.engineArrived(now);
    }

    /** Every service parks its kept sockets and channels and releases its session. */
    @Override
    void leave() {
        int parked = 0;
        for (KeptVrSockets s : live()) {
            parked += s.engineLeaving();
        }
        log.info("VR engine {} left: {} bundle(s) wait for the next (grace {} ms), {} socket(s) parked", lastRevision(),
                live().size(), graceMillis(), parked);
    }

    @Override
    void noEngine(KeptVrSockets service) {
        service.noEngine();
    }

    @Override
    String engineName() {
        return "expkt.vr";
    }

    @Override
    String leftForGood(String stopping) {
        return "expkt.vr (last: " + lastRevision() + ") left because " + stopping + ": no VR engine comes back before it starts again";
    }

    @Override
    void warnNoEngineCame() {
        log.warn("no VR engine (expkt.vr) came back within the grace period of {} ms after {} left: the protocols' VrSockets "
                + "is withdrawn (their components are deactivated until expkt.vr runs again)", graceMillis(), lastRevision());
    }

    /** The marker the protocols' {@code VrSockets} requires. */
    @Override
    ServiceRegistration<?> registerMarker() {
        return context.registerService(VrEngineReady.class, new VrEngineReady(), null);
    }
}
