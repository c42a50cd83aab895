package expkt.host.update;

import java.util.Dictionary;
import java.util.Hashtable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.ManagedService;

/**
 * Waits until ConfigAdmin has delivered every configuration update queued so far: ConfigAdmin calls
 * {@code ManagedService.updated} on one thread, in the order the updates were queued, so a marker
 * {@link ManagedService} registered now (a PID no configuration has) gets its {@code updated(null)}
 * after all of them. Used before a refresh: an update still queued for a bundle the refresh is about to
 * drop (Felix HTTP's, after {@code expkt.ops} deleted Jetty's configuration as it stopped) would run on
 * the dropped class loader and fail with a {@code NoClassDefFoundError}, logged by ConfigAdmin as an
 * ERROR. Loaded only when {@code org.osgi.service.cm} is wired (its import is optional).
 */
final class ConfigAdminDrain {
    private static final AtomicLong SEQ = new AtomicLong();

    private ConfigAdminDrain() {
    }

    /** True when the marker was called within {@code ms}; false when ConfigAdmin did not get to it. */
    static boolean await(BundleContext context, long ms) throws InterruptedException {
        CountDownLatch called = new CountDownLatch(1);
        ManagedService marker = props -> called.countDown();
        Dictionary<String, Object> p = new Hashtable<>();
        p.put(Constants.SERVICE_PID, "expkt.host.refresh.marker." + SEQ.incrementAndGet());
        ServiceRegistration<ManagedService> reg = context.registerService(ManagedService.class, marker, p);
        try {
            return called.await(ms, TimeUnit.MILLISECONDS);
        } finally {
            try {
                reg.unregister();
            } catch (IllegalStateException e) {
                // unregistered already: our bundle stopped meanwhile
            }
        }
    }
}
