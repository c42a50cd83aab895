package expkt.host.update;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * Refreshes bundles whose old revisions are pending removal, and their dependency closure, in steps
 * that each have a deadline. The one refresh of the platform: {@code expkt:refresh}
 * ({@code expkt.host.platform.PlatformRefresh}) and the REST API's update of a platform bundle whose
 * refresh restarts the web server it answers through ({@code expkt.ops}) both run it.
 * <ol>
 * <li>stops FileInstall first (transiently), also when it is not in the closure: its scan starts an
 *     installed bundle it finds stopped, so it started the LLDP agent and the WoL relay again while
 *     this refresh was stopping the keeper under them (SCR's "Service factory returned null", an ERROR);
 * <li>stops the active bundles of the closure itself (transiently), the highest start level
 *     first, waiting after each stop until ConfigAdmin has delivered what the stop queued
 *     ({@link ConfigAdminDrain}, {@value #DRAIN_WAIT_MS} ms): {@code expkt.ops} deletes Jetty's
 *     configuration as it stops, and that update must reach Felix HTTP before the refresh drops Felix
 *     HTTP's class loader (it logged {@code NoClassDefFoundError PerBundleServletContextImpl} as an ERROR);
 *     not stopped this way: {@code expkt.host} (this class's bundle, whose context registers the
 *     ConfigAdmin marker) and Gogo's bundles (the console {@code expkt:refresh} runs in), which the
 *     framework's refresh stops and starts as before;
 * <li>{@link FrameworkWiring#refreshBundles} with a listener ({@value #REFRESH_WAIT_MS} ms);
 * <li>starts what it stopped, the lowest start level first and FileInstall last (it scans the deploy
 *     directory when it starts: the deploy guard of {@code expkt.host} must be back first), and waits
 *     until every bundle that was active is active again ({@value #RESTART_WAIT_MS} ms).
 * </ol>
 * A step that does not finish in time fails the refresh naming what did not come back (and it is logged
 * as an ERROR); the bundles it stopped are started again in every case.
 *
 * <p>Threading: any thread that belongs to no bundle of the closure but {@code expkt.host} or Gogo (a
 * thread of a bundle it stops would stop itself). When {@code expkt.host} is in the closure, the
 * refresh replaces this class's class loader under it: after the refresh this class uses only classes
 * loaded before it (no new lambda, no new inner class).
 */
public final class ClosureRefresh {
    public static final long REFRESH_WAIT_MS = 60_000;
    public static final long RESTART_WAIT_MS = 30_000;
    public static final long DRAIN_WAIT_MS = 10_000;
    static final String FILEINSTALL = "org.apache.felix.fileinstall";
    static final String CM = "org.osgi.service.cm.ConfigurationAdmin";

    private final BundleContext context;
    private final Bundle system;
    /** {@code expkt.host}, to whom the lines are attributed also after its context is gone. */
    private final Bundle host;

    /** {@code context}: {@code expkt.host}'s own (it registers the ConfigAdmin marker and logs). */
    public ClosureRefresh(BundleContext context) {
        this.context = context;
        this.system = context.getBundle(0);
        this.host = context.getBundle();
    }

    /** The bundles a refresh of {@code pending} stops and starts again (the framework's dependency closure). */
    public static List<Bundle> closure(Bundle system, Collection<Bundle> pending) {
        return new ArrayList<>(system.adapt(FrameworkWiring.class).getDependencyClosure(pending));
    }

    /**
     * Refreshes {@code pending} (bundles with an old revision pending removal) and their closure:
     * returns what restarted; throws an {@link IllegalStateException} naming what is not back.
     */
    public String refresh(Collection<Bundle> pendingBundles) throws InterruptedException {
        FrameworkWiring wiring = system.adapt(FrameworkWiring.class);
        List<Bundle> pending = new ArrayList<>(pendingBundles);
        long t0 = System.nanoTime();
        List<Bundle> closure = new ArrayList<>(wiring.getDependencyClosure(pending));
        String names = names(pending);
        String closureNames = names(closure);
        List<Bundle> wereActive = new ArrayList<>();
        List<Bundle> toStop = new ArrayList<>();
        long self = context.getBundle().getBundleId();
        for (Bundle b : closure) {
            if (b.getState() == Bundle.ACTIVE || b.getState() == Bundle.STARTING) {
                wereActive.add(b);
                String bsn = b.getSymbolicName();
                if (b.getBundleId() != self && b.getBundleId() != 0 && (bsn == null || !bsn.startsWith("org.apache.felix.gogo."))) {
                    toStop.add(b);
                }
            }
        }
        // engines last: see servesAnEngine
        toStop.sort(Comparator.comparing(ClosureRefresh::servesAnEngine)
                .thenComparing(Comparator.comparingInt(ClosureRefresh::startLevel).thenComparingLong(Bundle::getBundleId).reversed()));
        // FileInstall first, in the closure or not (see the class comment); started last, as below
        for (Bundle b : system.getBundleContext().getBundles()) {
            if (FILEINSTALL.equals(b.getSymbolicName()) && (b.getState() == Bundle.ACTIVE || b.getState() == Bundle.STARTING)) {
                toStop.remove(b);
                toStop.add(0, b);
                if (!wereActive.contains(b)) {
                    wereActive.add(b);
                }
            }
        }
        info("refresh: dropping the old revisions of " + names + "; restarts " + closureNames);

        List<Bundle> stopped = new ArrayList<>();
        String failure = null;
        CountDownLatch done = new CountDownLatch(1);
        FrameworkListener listener = e -> {
            if (e.getType() == FrameworkEvent.PACKAGES_REFRESHED || e.getType() == FrameworkEvent.ERROR) {
                done.countDown();
            }
        };
        try {
            for (Bundle b : toStop) {
                try {
                    b.stop(Bundle.STOP_TRANSIENT);
                    stopped.add(b);
                } catch (BundleException | RuntimeException e) {
                    failure = "bundle " + b.getBundleId() + " " + b.getSymbolicName() + " did not stop for the refresh: " + e;
                    break;
                }
                if (!drainConfigAdmin()) {
                    failure = "ConfigAdmin did not deliver the configuration updates queued by stopping bundle " + b.getBundleId()
                            + " " + b.getSymbolicName() + " within " + DRAIN_WAIT_MS + " ms";
                    break;
                }
            }
            if (failure == null) {
                wiring.refreshBundles(pending, listener);
                if (!done.await(REFRESH_WAIT_MS, TimeUnit.MILLISECONDS)) {
                    failure = "the framework's refresh of " + names + " not done after " + REFRESH_WAIT_MS + " ms; not active: "
                            + notActive(closure);
                }
            }
        } finally {
            // from here on, no class of this bundle that is not loaded yet (see the class comment)
            Bundle fileInstall = null;
            for (int i = stopped.size() - 1; i >= 0; i--) {
                Bundle b = stopped.get(i);
                if (FILEINSTALL.equals(b.getSymbolicName())) {
                    fileInstall = b;
                    continue;
                }
                start(b);
            }
            if (fileInstall != null) {
                awaitActive(wereActive, fileInstall);
                start(fileInstall);
            }
        }
        List<String> notBack = awaitActive(wereActive, null);
        if (failure == null && !notBack.isEmpty()) {
            failure = "refreshed " + names + ", but not active again after " + RESTART_WAIT_MS + " ms: " + String.join(", ", notBack);
        } else if (failure != null && !notBack.isEmpty()) {
            failure = failure + "; not active again: " + String.join(", ", notBack);
        }
        if (failure != null) {
            error("refresh: " + failure);
            throw new IllegalStateException(failure);
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        String out = "refreshed " + names + " in " + ms + " ms; restarted: " + closureNames;
        info("refresh: " + out);
        return out;
    }

    /** True when ConfigAdmin got through its queue (or there is no ConfigAdmin to wait for). */
    private boolean drainConfigAdmin() throws InterruptedException {
        try {
            if (context.getServiceReference(CM) == null) {
                return true;
            }
            return ConfigAdminDrain.await(context, DRAIN_WAIT_MS);
        } catch (NoClassDefFoundError e) {
            return true; // org.osgi.service.cm not wired to this bundle: no ConfigAdmin it could wait for
        }
    }

    private void start(Bundle b) {
        try {
            if (b.getState() != Bundle.UNINSTALLED && b.getState() != Bundle.ACTIVE) {
                b.start(Bundle.START_TRANSIENT);
            }
        } catch (BundleException | RuntimeException e) {
            error("refresh: bundle " + b.getBundleId() + " " + b.getSymbolicName() + " does not start again: " + e);
        }
    }

    /** Waits until every bundle of {@code bundles} but {@code except} is active; returns those that are not. */
    private static List<String> awaitActive(List<Bundle> bundles, Bundle except) throws InterruptedException {
        long deadline = System.currentTimeMillis() + RESTART_WAIT_MS;
        List<String> notActive = new ArrayList<>();
        do {
            notActive.clear();
            for (Bundle b : bundles) {
                if (b != except && b.getState() != Bundle.ACTIVE) {
                    notActive.add(b.getBundleId() + " " + b.getSymbolicName() + " (state " + b.getState() + ")");
                }
            }
            if (notActive.isEmpty()) {
                return notActive;
            }
            Thread.sleep(50);
        } while (System.currentTimeMillis() < deadline);
        return notActive;
    }

    /**
     * True for a bundle that registers an engine the keeper follows ({@code expkt.api.spi.PacketEngine}:
     * the provider; {@code VrEngine}: expkt.vr). Such a bundle is stopped after the rest of the closure
     * and started before it, whatever the start levels say: stopped before the keeper, it would make the
     * keeper wait out its grace period for the engine (and the protocols' last calls with it, e.g. the LLDP
     * agent's shutdown LLDPDUs) although this same refresh brings the engine back only after the keeper has
     * stopped. The start levels come from the resolver's order, which puts the keeper before the provider
     * once the provider binds a service the keeper registers ({@code VirtualRouters}).
     */
    private static boolean servesAnEngine(Bundle b) {
        ServiceReference<?>[] refs = b.getRegisteredServices();
        if (refs == null) {
            return false;
        }
        for (ServiceReference<?> r : refs) {
            if (r.getProperty(org.osgi.framework.Constants.OBJECTCLASS) instanceof String[] classes) {
                for (String c : classes) {
                    if (c.equals("expkt.api.spi.PacketEngine") || c.equals("expkt.api.spi.VrEngine")) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static int startLevel(Bundle b) {
        BundleStartLevel sl = b.adapt(BundleStartLevel.class);
        return sl == null ? 0 : sl.getStartLevel();
    }

    private static String names(List<Bundle> bundles) {
        List<String> out = new ArrayList<>();
        for (Bundle b : bundles) {
            out.add(b.getBundleId() + " " + b.getSymbolicName());
        }
        return String.join(", ", out);
    }

    private static String notActive(List<Bundle> bundles) {
        List<String> out = new ArrayList<>();
        for (Bundle b : bundles) {
            if (b.getState() != Bundle.ACTIVE) {
                out.add(b.getBundleId() + " " + b.getSymbolicName() + " (state " + b.getState() + ")");
            }
        }
        return out.toString();
    }

    private void info(String msg) {
        log(false, msg);
    }

    private void error(String msg) {
        log(true, msg);
    }

    /**
     * Through the Log Service: with this bundle's context while it is valid, else (this bundle was
     * refreshed under the command, its own refresh) with the system bundle's, still attributed to
     * {@code expkt.host}, so the outcome of a refresh that restarted expkt.host is in the log too; on
     * standard error only if no Log Service can be had (it was refreshed too: its classes are not ours).
     */
    private void log(boolean error, String msg) {
        if (log(context, error, msg)) {
            return;
        }
        BundleContext systemContext = system.getBundleContext();
        if (systemContext != null && log(systemContext, error, msg)) {
            return;
        }
        System.err.println("expkt.host " + (error ? "ERROR " : "") + msg);
    }

    private boolean log(BundleContext via, boolean error, String msg) {
        try {
            ServiceReference<LoggerFactory> ref = via.getServiceReference(LoggerFactory.class);
            if (ref != null) {
                LoggerFactory f = via.getService(ref);
                if (f != null) {
                    try {
                        Logger l = f.getLogger(host, ClosureRefresh.class.getName(), Logger.class);
                        if (error) {
                            l.error(msg);
                        } else {
                            l.info(msg);
                        }
                        return true;
                    } finally {
                        via.ungetService(ref);
                    }
                }
            }
        } catch (IllegalStateException | NoClassDefFoundError | ClassCastException e) {
            // this bundle was refreshed under the command (its context is gone), or the Log Service was
            // (its LoggerFactory is another class than the one this revision imported)
        }
        return false;
    }
}
