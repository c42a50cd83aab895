package expkt.host;

import java.util.Hashtable;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;

import expkt.host.platform.PlatformRefresh;

/**
 * Registers the platform commands that are no Declarative Services components ({@code expkt:refresh}):
 * after {@code update <SCR>} no DS component exists until a refresh, and the refresh must be there.
 * A plain Gogo command object (Gogo finds it by its {@code osgi.command.*} properties; no Gogo import).
 */
public final class HostActivator implements BundleActivator {
    private ServiceRegistration<?> refresh;

    @Override
    public void start(BundleContext context) {
        Hashtable<String, Object> p = new Hashtable<>();
        p.put("osgi.command.scope", "expkt");
        p.put("osgi.command.function", new String[] {"refresh"});
        refresh = context.registerService(PlatformRefresh.class, new PlatformRefresh(context), p);
    }

    @Override
    public void stop(BundleContext context) {
        if (refresh != null) {
            try {
                refresh.unregister();
            } catch (IllegalStateException e) {
                // unregistered with the bundle already
            }
            refresh = null;
        }
    }
}
