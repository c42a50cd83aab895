package expkt.host;

import java.util.Hashtable;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;

import expkt.host.platform.PlatformRefresh;
import expkt.host.platform.PlatformUninstall;

/**
 * Registers the platform commands that are no Declarative Services components ({@code expkt:refresh},
 * and {@code felix:uninstall} refusing platform bundles):
 * after {@code update <SCR>} no DS component exists until a refresh, and the refresh must be there.
 * A plain Gogo command object (Gogo finds it by its {@code osgi.command.*} properties; no Gogo import).
 */
public final class HostActivator implements BundleActivator {
    private ServiceRegistration<?> refresh;
    private ServiceRegistration<?> uninstall;

    @Override
    public void start(BundleContext context) {
        Hashtable<String, Object> p = new Hashtable<>();
        p.put("osgi.command.scope", "expkt");
        p.put("osgi.command.function", new String[] {"refresh"});
        refresh = context.registerService(PlatformRefresh.class, new PlatformRefresh(context), p);
        // Gogo's felix:uninstall, outranked (Gogo runs the highest-ranked command of a scope:name)
        Hashtable<String, Object> u = new Hashtable<>();
        u.put("osgi.command.scope", "felix");
        u.put("osgi.command.function", new String[] {"uninstall"});
        u.put(Constants.SERVICE_RANKING, 100);
        uninstall = context.registerService(PlatformUninstall.class, new PlatformUninstall(context), u);
    }

    @Override
    public void stop(BundleContext context) {
        unregister(refresh);
        unregister(uninstall);
        refresh = null;
        uninstall = null;
    }

    private static void unregister(ServiceRegistration<?> r) {
        if (r != null) {
            try {
                r.unregister();
            } catch (IllegalStateException e) {
                // unregistered with the bundle already
            }
        }
    }
}
