package expkt.host.update;

import java.util.ArrayList;
import java.util.List;

import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.wiring.FrameworkWiring;

/**
 * The one message that refuses to uninstall a platform bundle of the host jar (or the framework), said
 * the same way by Gogo's {@code uninstall} ({@code expkt.host.platform.PlatformUninstall}), the web
 * console's Uninstall and the REST API's {@code DELETE} ({@code expkt.ops}): the bundle, where it came
 * from, the bundles that would lose it, and what to do instead.
 */
public final class UninstallRefusal {
    private UninstallRefusal() {
    }

    /**
     * @param wiring the framework's wiring (for the bundles wired to {@code b}'s packages)
     * @param instead how to update {@code b} in place from where the refusal is read (a command, a URL)
     */
    public static String message(Bundle b, FrameworkWiring wiring, String instead) {
        List<String> users = new ArrayList<>();
        for (Bundle d : wiring.getDependencyClosure(List.of(b))) {
            if (d.getBundleId() != b.getBundleId()) {
                users.add(d.getBundleId() + " " + d.getSymbolicName());
            }
        }
        // and those using its services (the protocols bound to the provider's): not wired to its packages
        ServiceReference<?>[] services = b.getRegisteredServices();
        for (ServiceReference<?> ref : services == null ? new ServiceReference<?>[0] : services) {
            Bundle[] using = ref.getUsingBundles();
            for (Bundle u : using == null ? new Bundle[0] : using) {
                String n = u.getBundleId() + " " + u.getSymbolicName();
                if (u.getBundleId() != b.getBundleId() && !users.contains(n)) {
                    users.add(n);
                }
            }
        }
        return "refused: bundle " + b.getBundleId() + " " + b.getSymbolicName() + " " + b.getVersion()
                + (b.getBundleId() == 0 ? " is the framework" : " is a platform bundle of the host jar (installed from " + b.getLocation() + ")")
                + ": it is not uninstalled; " + (users.isEmpty() ? "the host would run without it until it is restarted"
                        : users.size() + " bundle(s) wired to it or using its services would lose it until the host is restarted: " + String.join(", ", users))
                + "; update it in place instead (" + instead + ")";
    }
}
