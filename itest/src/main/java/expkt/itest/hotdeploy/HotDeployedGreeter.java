package expkt.itest.hotdeploy;

import java.util.Map;
import java.util.function.Supplier;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * The component of the hot-deploy test bundle: it says which bundle version and which class loader
 * it runs from, so the test can tell version 1 from version 2 and an in-place update from a
 * reinstall. Registered as a {@code Supplier} (a JDK type) so the test needs no package of this
 * bundle, which is replaced under its feet. Its configuration (PID
 * {@code expkt.itest.hotdeploy.HotDeployedGreeter}, optional) may set {@code greeting}: a
 * configuration change reactivates it with the new value.
 */
@Component(service = Supplier.class, property = "expkt.itest=hotdeploy")
public class HotDeployedGreeter implements Supplier<String> {
    private final String greeting;

    @Activate
    public HotDeployedGreeter(BundleContext context, Map<String, Object> config) {
        this.greeting = "hotdeploy " + context.getBundle().getVersion() + " says " + config.getOrDefault("greeting", "hello")
                + " bundle " + context.getBundle().getBundleId()
                + " loader " + System.identityHashCode(getClass().getClassLoader());
        System.out.println("[expkt.itest.hotdeploy] activated: " + greeting);
    }

    @Deactivate
    void deactivate() {
        System.out.println("[expkt.itest.hotdeploy] deactivated: " + greeting);
    }

    @Override
    public String get() {
        return greeting;
    }
}
