package expkt.host;

import java.util.ArrayList;
import java.util.List;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;

/** Which bundles of a framework are not (yet) up, and why. Threading: stateless, any thread. */
final class BundleStates {
    private BundleStates() {
    }

    /** Bundles that are neither ACTIVE nor a resolved fragment, as {@code name(state)}. */
    static List<String> notUp(BundleContext context) {
        List<String> down = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            boolean fragment = b.getHeaders("").get(Constants.FRAGMENT_HOST) != null;
            boolean up = fragment ? b.getState() == Bundle.RESOLVED : b.getState() == Bundle.ACTIVE;
            if (!up) {
                down.add(b.getSymbolicName() + "(" + name(b.getState()) + ")");
            }
        }
        return down;
    }

    /**
     * One line per bundle that is not up, with the reason where the framework gives one: for a
     * bundle that did not resolve, the missing requirement (from a transient start attempt, which
     * changes nothing when it cannot resolve: exactly what FileInstall tried).
     */
    static List<String> problems(BundleContext context) {
        List<String> out = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            boolean fragment = b.getHeaders("").get(Constants.FRAGMENT_HOST) != null;
            int state = b.getState();
            if (fragment ? state == Bundle.RESOLVED : state == Bundle.ACTIVE) {
                continue;
            }
            String who = "bundle " + b.getSymbolicName() + " [" + b.getBundleId() + "] is " + name(state);
            if (state == Bundle.INSTALLED && !fragment) {
                try {
                    b.start(Bundle.START_TRANSIENT);
                    out.add(who + " (it started only now)");
                } catch (BundleException | IllegalStateException e) {
                    out.add(who + ": " + shortReason(e.getMessage()));
                }
            } else {
                out.add(who);
            }
        }
        return out;
    }

    /** Felix says it twice ("missing requirement ... Unresolved requirements: [...]"): once is enough. */
    static String shortReason(String message) {
        if (message == null) {
            return "(no reason given)";
        }
        int cut = message.indexOf(" Unresolved requirements:");
        return cut > 0 ? message.substring(0, cut) : message;
    }

    static String name(int state) {
        return switch (state) {
            case Bundle.INSTALLED -> "INSTALLED";
            case Bundle.RESOLVED -> "RESOLVED";
            case Bundle.STARTING -> "STARTING";
            case Bundle.STOPPING -> "STOPPING";
            case Bundle.ACTIVE -> "ACTIVE";
            case Bundle.UNINSTALLED -> "UNINSTALLED";
            default -> "state " + state;
        };
    }

    /**
     * Waits until the framework has finished starting (system bundle ACTIVE) and every bundle is up,
     * or the timeout passed; returns what is still not up (empty: all up).
     */
    static List<String> awaitAllUp(BundleContext context, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        List<String> down;
        while (true) {
            down = notUp(context);
            if (down.isEmpty() || System.nanoTime() > deadline) {
                return down;
            }
            Thread.sleep(20);
        }
    }

    /**
     * Waits until every bundle is up, or the framework has started and what is not up has stayed
     * the same for {@code quietMillis} (a bundle that cannot resolve never comes up: no need to
     * wait for the full timeout), or the timeout passed; returns what is still not up.
     */
    static List<String> awaitSettled(BundleContext context, long timeoutMillis, long quietMillis) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        List<String> last = null;
        long since = System.nanoTime();
        while (true) {
            List<String> down = notUp(context);
            if (down.isEmpty() || System.nanoTime() > deadline) {
                return down;
            }
            boolean started = context.getBundle(0).getState() == Bundle.ACTIVE;
            if (!down.equals(last) || !started) {
                last = down;
                since = System.nanoTime();
            } else if (System.nanoTime() - since > quietMillis * 1_000_000L) {
                return down;
            }
            Thread.sleep(50);
        }
    }
}
