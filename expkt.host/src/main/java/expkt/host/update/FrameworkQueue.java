package expkt.host.update;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.Bundle;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.framework.startlevel.FrameworkStartLevel;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.log.Logger;

/**
 * The framework's asynchronous work after a bundle update, awaited with a deadline: the start-level
 * requests queued so far (the bnd launcher sets the start level of every bundle it sees INSTALLED or
 * UPDATED, applied later on the framework's start-level thread), and the refresh of a revision still
 * pending removal (a bundle whose exported packages others are wired to).
 *
 * <p>Threading: any thread but the framework's start-level thread; every wait has a deadline
 * ({@value #FRAMEWORK_WAIT_MS} ms) and is logged as an ERROR when it passes.
 */
public final class FrameworkQueue {
    /** Deadline of each wait on the framework. */
    public static final long FRAMEWORK_WAIT_MS = 30_000;

    private final Bundle system;
    private final Logger log;

    public FrameworkQueue(Bundle system, Logger log) {
        this.system = system;
        this.log = log;
    }

    /** After an update: the launcher's start-level request applied, the bundle's own level back, old revision gone. */
    public void settle(Bundle b, int level) {
        drainStartLevelQueue();
        BundleStartLevel sl = b.adapt(BundleStartLevel.class);
        if (b.getState() != Bundle.UNINSTALLED && sl != null && sl.getStartLevel() != level) {
            sl.setStartLevel(level);
            drainStartLevelQueue();
        }
        refreshIfPending(b);
    }

    /**
     * Waits until the framework's start-level thread has applied every request queued so far: a
     * request for the current framework level, which changes nothing, is queued behind them and
     * awaited. Not while the framework is starting (it would stop the climb at the current level) nor
     * on the start-level thread itself.
     */
    public void drainStartLevelQueue() {
        if (system.getState() != Bundle.ACTIVE || "FelixStartLevel".equals(Thread.currentThread().getName())) {
            return;
        }
        FrameworkStartLevel fsl = system.adapt(FrameworkStartLevel.class);
        CountDownLatch done = new CountDownLatch(1);
        fsl.setStartLevel(fsl.getStartLevel(), e -> done.countDown());
        await(done, "the start-level thread to apply the queued start levels");
    }

    /** Refreshes {@code b} if an old revision of it is still pending removal, and waits for the refresh. */
    public void refreshIfPending(Bundle b) {
        FrameworkWiring wiring = system.adapt(FrameworkWiring.class);
        if (!wiring.getRemovalPendingBundles().contains(b)) {
            return;
        }
        CountDownLatch done = new CountDownLatch(1);
        wiring.refreshBundles(List.of(b), e -> {
            if (e.getType() == FrameworkEvent.PACKAGES_REFRESHED || e.getType() == FrameworkEvent.ERROR) {
                done.countDown();
            }
        });
        await(done, "the refresh of bundle " + b.getBundleId());
    }

    private void await(CountDownLatch done, String what) {
        try {
            if (!done.await(FRAMEWORK_WAIT_MS, TimeUnit.MILLISECONDS)) {
                log.error("update: waited {} ms for {}; going on without it", FRAMEWORK_WAIT_MS, what);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
