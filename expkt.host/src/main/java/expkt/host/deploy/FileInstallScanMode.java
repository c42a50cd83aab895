package expkt.host.deploy;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * Where FileInstall scans the deploy directory the first time after it starts. With
 * {@value #PROPERTY}{@code =true} it scans inside its {@code BundleActivator.start}: at host start
 * that is what we want (the deployed bundles are installed during the start-level climb, before
 * "expkt host started"). But a FileInstall started later is started by a framework refresh (of
 * itself, of ConfigAdmin whose package it imports, of the Log Service…) on the framework's one
 * refresh thread ({@code FelixFrameworkWiring}); a scan there that installs or updates anything asks
 * for a refresh and waits for it without a deadline ({@code FileInstall.refresh}: {@code latch.await()})
 * — on the thread that would do it. FileInstall then stays STARTING forever and every bundle after it
 * in the refresh stays stopped (seen: {@code update 4; refresh 4} of ConfigAdmin, and a plain
 * {@code refresh} of FileInstall: the deploy guard, restarted in the same refresh after FileInstall,
 * was not there yet, so FileInstall updated the deployed jars itself and waited).
 *
 * <p>So the host sets {@value #PROPERTY} as a JVM system property (the launcher agent makes it
 * {@code true}; it is deliberately not a framework property in {@code cnf/expkt-host.bndrun}, where it
 * could not change: Felix reads a property absent from its configuration from the system
 * properties at each call) and this component turns it to {@code false} once FileInstall has started
 * the first time (not at the framework's STARTED event: the bnd launcher starts the framework first
 * and climbs the start levels after): a FileInstall started after that scans on its own watcher
 * thread, one poll interval after it starts, and a refresh it asks for is done by the framework's
 * refresh thread.
 *
 * <p>Threading: the switch happens on the thread that activates this component or on the thread that
 * started FileInstall (a synchronous bundle listener: done before anything could restart it); a
 * system property write is atomic.
 */
@Component(immediate = true, service = {})
public final class FileInstallScanMode {
    /** FileInstall's property: scan in {@code start()} ({@code true}) or on its watcher thread. */
    public static final String PROPERTY = "felix.fileinstall.noInitialDelay";
    static final String FILEINSTALL = "org.apache.felix.fileinstall";

    private final BundleContext context;
    private final Logger log;
    private final SynchronousBundleListener started = this::bundleEvent;

    @Activate
    public FileInstallScanMode(BundleContext context, @Reference(service = LoggerFactory.class) Logger log) {
        this.context = context;
        this.log = log;
        context.addBundleListener(started);
        for (Bundle b : context.getBundles()) {
            if (FILEINSTALL.equals(b.getSymbolicName()) && b.getState() == Bundle.ACTIVE) {
                afterStart();
            }
        }
    }

    private void bundleEvent(BundleEvent e) {
        if (e.getType() == BundleEvent.STARTED && FILEINSTALL.equals(e.getBundle().getSymbolicName())) {
            afterStart();
        }
    }

    private void afterStart() {
        if (!"false".equals(System.getProperty(PROPERTY))) {
            System.setProperty(PROPERTY, "false");
            log.debug("deploy: FileInstall has started; a FileInstall started from now on scans on its own thread ({}=false)", PROPERTY);
        }
    }

    @Deactivate
    void deactivate() {
        context.removeBundleListener(started);
    }
}
