package expkt.itest;

import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.cleanCaches;
import static org.ops4j.pax.exam.CoreOptions.composite;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;
import static org.ops4j.pax.exam.CoreOptions.systemTimeout;
import static org.ops4j.pax.exam.CoreOptions.workingDirectory;

import java.io.File;
import java.util.ArrayList;
import java.util.List;

import org.ops4j.pax.exam.Option;

import expkt.lab.Lab;

/**
 * Pax Exam options of the expkt host: Felix + SCR + ConfigAdmin + the Log Service + the project's
 * bundles built in this same {@code mvn verify}, handed over by file path (no {@code mvn install}).
 *
 * <p>Every bundle is found through a system property {@code expkt.bundle.<name>} that itest/pom.xml
 * sets to the jar's path (maven-dependency-plugin {@code properties} goal + failsafe
 * {@code systemPropertyVariables}). A new project bundle needs a dependency and one such line in
 * itest/pom.xml; then a test class adds it with {@code projectBundles("expkt.provider")}.
 */
public final class ExpktOptions {
    /** Framework property: the network namespace the provider manages (an ip netns name or a path). */
    public static final String DATAPLANE_NETNS = "expkt.dataplane.netns";
    /** Framework property: the prefix of the test class's lab, for {@link Lab#view(String)} in the probe. */
    public static final String LAB_PREFIX = "expkt.lab.prefix";
    /** Framework property: the default virtual router of the host. */
    public static final String VR_DEFAULT = "expkt.vr.default";
    /** Framework property: where expkt.host writes its one-line log. */
    public static final String LOG_FILE = "expkt.log.file";

    /** The runtime every expkt host has (the order is the install order). */
    private static final String[] RUNTIME = {
        "function", "promise", "component", "log", "configadmin", "scr",
    };

    /** The project bundles every test gets (those every expkt host has); the rest come with {@link #projectBundles}. */
    private static final String[] BASE_PROJECT = {"expkt.api", "expkt.linux", "expkt.codec", "expkt.lab", "expkt.host"};

    private ExpktOptions() {
    }

    /**
     * The whole host for a test class: runtime, base project bundles, JUnit, and the lab's switch
     * namespace as the data plane.
     */
    public static Option host(Lab lab, Class<?> testClass) {
        File work = new File("target/paxexam/" + testClass.getSimpleName());
        return composite(
                cleanCaches(true),
                workingDirectory(work.getPath()),
                systemTimeout(60_000),
                frameworkProperty(DATAPLANE_NETNS).value(lab.switchNs()),
                frameworkProperty(LAB_PREFIX).value(lab.prefix()),
                frameworkProperty(LOG_FILE).value(new File("target/itest-logs/" + testClass.getSimpleName() + ".log").getAbsolutePath()),
                frameworkProperty("ds.loglevel").value("info"),
                frameworkProperty("org.osgi.service.log.admin.loglevel").value("INFO"),
                // Pax Exam's own pax-logging would print every bundle it scans at DEBUG
                systemProperty("org.ops4j.pax.logging.DefaultServiceLog.level").value("WARN"),
                runtimeBundles(RUNTIME),
                projectBundles(BASE_PROJECT),
                junitBundles());
    }

    /**
     * Bundles of this reactor by artifactId, e.g. {@code projectBundles("expkt.provider", "expkt.vr")}.
     * {@code expkt.provider} and {@code expkt.vr} bring {@code expkt.keeper} along (once): the keeper registers
     * the {@code PacketService}, {@code StateHandover} and {@code VrSockets} the protocols use and forwards
     * to their engines.
     */
    public static Option projectBundles(String... artifactIds) {
        List<Option> options = new ArrayList<>();
        boolean keeper = false;
        for (String id : artifactIds) {
            if ((id.equals("expkt.provider") || id.equals("expkt.vr")) && !keeper) {
                options.add(bundle(jar("expkt.bundle.expkt.keeper").toURI().toString()));
                keeper = true;
            }
            options.add(bundle(jar("expkt.bundle." + id).toURI().toString()));
        }
        return composite(options.toArray(Option[]::new));
    }

    /** Third-party runtime bundles by their short key in itest/pom.xml (scr, configadmin, log, fileinstall...). */
    public static Option runtimeBundles(String... keys) {
        return projectBundles(keys);
    }

    /** The jar a {@code expkt.bundle.*} (or any) system property names; fails naming what is missing. */
    public static File jar(String property) {
        String path = System.getProperty(property);
        if (path == null || path.isBlank() || path.startsWith("${")) {
            throw new IllegalStateException("system property " + property + " is not set (value: " + path
                    + "): add the bundle as a dependency and to failsafe's systemPropertyVariables in itest/pom.xml");
        }
        File f = new File(path);
        if (!f.isFile()) {
            throw new IllegalStateException(property + " names " + path + ", which is not a file: is the module packaged as a jar?");
        }
        return f;
    }
}
