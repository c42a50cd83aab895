package expkt.host;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.launch.Framework;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * Stops the framework when the JVM is asked to end (SIGTERM, Ctrl-C on the console, a service
 * manager's stop), so that every bundle is deactivated in order and releases what it holds in the
 * kernel: the provider deletes its nftables table, sockets are closed, LLDP sends its shutdown
 * LLDPDUs. Without it the JVM would exit with the bundles still active and leave kernel state behind.
 *
 * <p>Threading: the hook runs on the JVM's shutdown thread and waits up to
 * {@value #STOP_WAIT_MS} ms for the framework to stop.
 */
@Component(immediate = true)
public final class CleanShutdown {
    static final long STOP_WAIT_MS = 15_000;

    private final Thread hook;

    @Activate
    public CleanShutdown(BundleContext context, @Reference(service = LoggerFactory.class) Logger log) {
        Bundle system = context.getBundle(0);
        this.hook = new Thread(() -> stop(system, log), "expkt-clean-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    private static void stop(Bundle system, Logger log) {
        if (!(system instanceof Framework framework) || (framework.getState() & (Bundle.ACTIVE | Bundle.STARTING)) == 0) {
            return; // already stopping or stopped on purpose
        }
        try {
            log.info("expkt host: the JVM is shutting down, stopping the framework so bundles release what they hold");
            framework.stop();
            FrameworkEvent e = framework.waitForStop(STOP_WAIT_MS);
            if (e.getType() == FrameworkEvent.WAIT_TIMEDOUT) {
                System.err.println("expkt host: the framework did not stop within " + STOP_WAIT_MS + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            System.err.println("expkt host: stopping the framework at JVM shutdown failed: " + e);
        }
    }

    @Deactivate
    void deactivate() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // deactivated by the hook itself: nothing to remove
        }
    }
}
