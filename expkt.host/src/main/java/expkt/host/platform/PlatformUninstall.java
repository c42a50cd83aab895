package expkt.host.platform;

import java.util.ArrayList;
import java.util.List;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.wiring.FrameworkWiring;

import expkt.host.update.PlatformDir;
import expkt.host.update.UninstallRefusal;

/**
 * Gogo's {@code uninstall <id|bsn>...} ({@code felix:uninstall}), ranked above Gogo's own command of that
 * name: a platform bundle of the host jar ({@link PlatformDir}) is refused, naming it and the bundles
 * wired to it (they would lose what it provides until the host restarts); any other bundle is
 * uninstalled as Gogo's command does. The REST API refuses the same (409), and so does the web
 * console ({@code expkt.ops}). A plain object registered by the activator of {@code expkt.host}.
 *
 * <p>Threading: Gogo's console thread.
 */
public final class PlatformUninstall {
    private final BundleContext context;

    public PlatformUninstall(BundleContext context) {
        this.context = context;
    }

    /** {@code uninstall <id|bsn>...}: refuses (throws) before uninstalling anything if one is a platform bundle. */
    public String uninstall(String[] which) throws BundleException {
        if (which == null || which.length == 0) {
            throw new IllegalArgumentException("uninstall: give bundle ids or symbolic names");
        }
        PlatformDir platform = PlatformDir.of(context);
        List<Bundle> bundles = new ArrayList<>();
        for (String w : which) {
            Bundle b = bundle(w);
            if (b.getBundleId() == 0 || platform.holds(b)) {
                throw new IllegalStateException(UninstallRefusal.message(b, context.getBundle(0).adapt(FrameworkWiring.class), "expkt:update " + b.getBundleId()));
            }
            bundles.add(b);
        }
        List<String> done = new ArrayList<>();
        for (Bundle b : bundles) {
            String name = b.getBundleId() + " " + b.getSymbolicName();
            b.uninstall();
            done.add(name);
        }
        return "uninstalled " + String.join(", ", done);
    }

    private Bundle bundle(String which) {
        if (!which.isEmpty() && which.chars().allMatch(Character::isDigit)) {
            Bundle b = context.getBundle(Long.parseLong(which));
            if (b == null) {
                throw new IllegalArgumentException("no bundle " + which);
            }
            return b;
        }
        Bundle found = null;
        for (Bundle b : context.getBundles()) {
            if (which.equals(b.getSymbolicName())) {
                if (found != null) {
                    throw new IllegalArgumentException("more than one bundle is named " + which + ": give the id");
                }
                found = b;
            }
        }
        if (found == null) {
            throw new IllegalArgumentException("no bundle named " + which);
        }
        return found;
    }
}
