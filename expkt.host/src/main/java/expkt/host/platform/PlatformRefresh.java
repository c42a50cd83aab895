package expkt.host.platform;

import java.util.ArrayList;
import java.util.List;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.wiring.FrameworkWiring;

import expkt.host.update.ClosureRefresh;

/**
 * The Gogo command {@code expkt:refresh}: what an operator runs after Gogo's {@code update N} (which does
 * not refresh). A plain object the {@code expkt.host} bundle activator registers, not a DS component:
 * after {@code update <SCR>} no DS component exists until a refresh, and this one must be there to do it.
 * Refreshes every bundle whose old revision is pending removal, with the platform's one stepwise refresh
 * ({@link ClosureRefresh}: stops the closure itself, the highest start level first, waiting for
 * ConfigAdmin after each stop; refreshes; starts it again; every step with a deadline).
 *
 * <p>Threading: Gogo's console thread. When {@code expkt.host} is in the closure, the refresh replaces
 * this object's class loader under it: after the refresh this class uses only classes loaded before it.
 */
public final class PlatformRefresh {
    public static final long REFRESH_WAIT_MS = ClosureRefresh.REFRESH_WAIT_MS;
    public static final long RESTART_WAIT_MS = ClosureRefresh.RESTART_WAIT_MS;

    private final Bundle system;
    private final ClosureRefresh refresh;

    public PlatformRefresh(BundleContext context) {
        this.system = context.getBundle(0);
        this.refresh = new ClosureRefresh(context);
    }

    /** {@code expkt:refresh}: returns what restarted; throws naming what is not back. */
    public String refresh() throws InterruptedException {
        List<Bundle> pending = new ArrayList<>(system.adapt(FrameworkWiring.class).getRemovalPendingBundles());
        if (pending.isEmpty()) {
            return "nothing to refresh: no bundle has an old revision pending removal";
        }
        return refresh.refresh(pending);
    }
}
