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
 * Follows {@code expkt.vr}'s {@link VrEngine} service and moves every {@link KeptVrSockets} and
 * {@link KeptVirtualRouters} from one revision to the next, as {@link EngineTracker} does for the packet engine, with the same rules: a
 * dynamic optional reference (the engine's departure deactivates nothing), the same grace period
 * ({@value EngineTracker#GRACE_PROPERTY}, read with {@link EngineTracker#grace}), no grace period when SCR or
 * the framework is stopping ({@link EngineTracker#extenderStopping}), and a marker ({@link VrEngineReady})
 * registered on a timer thread while an engine serves or is expected back, which the protocols'
 * {@code VrSockets} and {@code VirtualRouters} require. When the engine goes, each kept socket's kernel part (a raw socket's descriptor,
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
public final class VrEngineTracker extends SwappableEngineTracker<VrEngine, VrEngineFollower> {

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
        for (VrEngineFollower s : live()) {
            int[] r = s.engineArrived(next);
            adopted += r[0];
            failed += r[1];
        }
        if (update) {
            log.info("VR engine {} took over: {} bundle(s) with VrSockets, {} with VirtualRouters, {} socket(s) adopted{}", lastRevision(),
                    count(KeptVrSockets.class), count(KeptVirtualRouters.class), adopted,
                    failed == 0 ? "" : ", " + failed + " could not be restored (expkt:keeper)");
        }
    }

    @Override
    void openOn(VrEngineFollower service, VrEngine now) {
        service.engineArrived(now);
    }

    /**
     * Every {@code VrSockets} parks its kept sockets and channels and releases its session; every
     * {@code VirtualRouters} keeps the last VRs the engine gave and leaves its view.
     */
    @Override
    void leave() {
        int parked = 0;
        for (VrEngineFollower s : live()) {
            parked += s.engineLeaving();
        }
        log.info("VR engine {} left: {} bundle(s) with VrSockets and {} with VirtualRouters wait for the next (grace {} ms), "
                + "{} socket(s) parked", lastRevision(), count(KeptVrSockets.class), count(KeptVirtualRouters.class), graceMillis(), parked);
    }

    private int count(Class<? extends VrEngineFollower> kind) {
        int n = 0;
        for (VrEngineFollower s : live()) {
            if (kind.isInstance(s)) {
                n++;
            }
        }
        return n;
    }

    /** The bundles' kept {@code VrSockets} (for {@code expkt:keeper}). */
    java.util.List<KeptVrSockets> vrSockets() {
        return services().stream().filter(KeptVrSockets.class::isInstance).map(KeptVrSockets.class::cast).toList();
    }

    /** The bundles' kept {@code VirtualRouters} (for {@code expkt:keeper}). */
    java.util.List<KeptVirtualRouters> virtualRouters() {
        return services().stream().filter(KeptVirtualRouters.class::isInstance).map(KeptVirtualRouters.class::cast).toList();
    }

    @Override
    void noEngine(VrEngineFollower service) {
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
                + "and VirtualRouters are withdrawn (their components are deactivated until expkt.vr runs again)", graceMillis(), lastRevision());
    }

    /** The marker the protocols' {@code VrSockets} and {@code VirtualRouters} require. */
    @Override
    ServiceRegistration<?> registerMarker() {
        return context.registerService(VrEngineReady.class, new VrEngineReady(), null);
    }
}
