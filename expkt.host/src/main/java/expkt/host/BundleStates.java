package expkt.host;

import java.util.ArrayList;
import java.util.List;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;

/** Which bundles of a framework are not (yet) up. */
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
}
