package expkt.keeper.internal;

import expkt.api.spi.VrEngine;

/**
 * What {@link VrEngineTracker} moves from one revision of {@code expkt.vr} to the next: a bundle's
 * {@link KeptVrSockets} (its sockets parked and adopted) or its {@link KeptVirtualRouters} (its registry view
 * and change listeners moved). Called under the tracker's swap lock.
 */
interface VrEngineFollower {
    /** A new engine serves (or the first): follow it; returns {adopted, failed} sockets. */
    int[] engineArrived(VrEngine engine);

    /** The engine is going: leave it; returns how many sockets were parked. */
    int engineLeaving();

    /** No engine comes before the grace period ends (or SCR stops): calls waiting for one fail at once. */
    void noEngine();
}
