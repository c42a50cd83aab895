package expkt.host;

import java.lang.management.ManagementFactory;
import java.util.List;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * Measures host start to all bundles active and reports it once, on the console and in the log:
 * from the JVM's start (so the launcher, the framework and every bundle's activation count) to the
 * moment the system bundle and every other bundle are ACTIVE (fragments: RESOLVED). A bundle that
 * is still not up after {@code expkt.host.startTimeoutSeconds} (default 60) is named in a warning.
 *
 * <p>Threading: the wait runs on a daemon thread of its own so that activation never blocks SCR.
 */
@Component(immediate = true)
public final class StartupTimer {
    static final String TIMEOUT = "expkt.host.startTimeoutSeconds";

    /** Opened once the start-up has been reported (or given up on): a scripted run prints after it. */
    static final java.util.concurrent.CountDownLatch REPORTED = new java.util.concurrent.CountDownLatch(1);

    private final Thread waiter;

    @Activate
    public StartupTimer(BundleContext context, @Reference(service = LoggerFactory.class) Logger log) {
        long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
        long timeoutSeconds = timeoutSeconds(context.getProperty(TIMEOUT));
        waiter = Thread.ofPlatform().daemon().name("expkt-startup-timer").start(() -> {
            try {
                List<String> down = BundleStates.awaitAllUp(context, timeoutSeconds * 1000);
                long ms = System.currentTimeMillis() - jvmStart;
                int bundles = context.getBundles().length;
                if (down.isEmpty()) {
                    String line = "expkt host started: " + bundles + " bundles active " + ms + " ms after JVM start";
                    System.out.println(line);
                    log.info(line);
                } else {
                    log.warn("expkt host: after " + ms + " ms these bundles are not active: " + String.join(", ", down));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                REPORTED.countDown();
            }
        });
    }

    static long timeoutSeconds(String value) {
        if (value == null || value.isBlank()) {
            return 60;
        }
        try {
            long v = Long.parseLong(value.strip());
            if (v > 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // named below
        }
        throw new IllegalArgumentException(TIMEOUT + " \"" + value + "\" is not a number of seconds > 0");
    }

    @Deactivate
    void deactivate() {
        waiter.interrupt();
    }
}
