package expkt.itest;

import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.Test;

/**
 * The harness's wiring (itest/pom.xml): every jar the tests hand to a framework or start as a
 * process, named by a system property, is a file of this build. Needs neither root nor a lab, so
 * {@code ./expkt test} also runs it, with network, before a non-root test run: failsafe fetches its
 * JUnit 4 provider only when a test is about to run, and the run after that is offline.
 */
public class BundlePathsIT {
    @Test
    public void everyBundlePropertyNamesAJarOfThisBuild() {
        Map<String, String> jars = new TreeMap<>();
        System.getProperties().forEach((k, v) -> {
            if (k.toString().startsWith("expkt.bundle.")) {
                jars.put(k.toString(), v.toString());
            }
        });
        assertFalse("no expkt.bundle.* properties: failsafe's systemPropertyVariables are not set", jars.isEmpty());
        for (String name : List.of("expkt.host.jar", "expkt.itest.bundle")) {
            jars.put(name, System.getProperty(name));
        }
        jars.forEach((name, path) -> {
            File f = ExpktOptions.jar(name);
            assertTrue(name + " = " + path + " is not a jar", f.getName().endsWith(".jar"));
        });
    }
}
