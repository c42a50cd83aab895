package expkt.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.util.List;

import org.junit.Test;
import org.junit.runner.JUnitCore;
import org.junit.runner.Result;

import expkt.lab.Lab;

/**
 * The harness removes a test class's lab after the class, whether its tests pass or fail. Runs two
 * Pax Exam test classes with JUnit (each starts its own framework and lab) and looks at the namespaces
 * afterwards. (A JVM killed outright: {@link LabKillIT}.)
 */
public class LabLifecycleIT {

    @Test
    public void aPassingClassLeavesNoNamespace() {
        Result r = JUnitCore.runClasses(LabFixturePassing.class);
        String prefix = ExpktTestSupport.lastLabPrefix();
        assertNotNull(prefix);
        assertTrue(r.getFailures().toString(), r.wasSuccessful());
        assertEquals(1, r.getRunCount());
        assertGone(prefix);
    }

    @Test
    public void aFailingClassLeavesNoNamespace() {
        Result r = JUnitCore.runClasses(LabFixtureFailing.class);
        String prefix = ExpktTestSupport.lastLabPrefix();
        assertEquals(r.getFailures().toString(), 1, r.getFailureCount());
        String message = String.valueOf(r.getFailures().get(0).getMessage());
        // the failure is the deliberate one, reached only after the lab was seen from inside the framework
        assertTrue(message, message.contains(LabFixtureFailing.FAILURE) && message.contains(prefix));
        assertGone(prefix);
    }

    static void assertGone(String prefix) {
        List<String> left = Lab.listNamespaces().stream().filter(ns -> ns.startsWith(prefix + "-")).toList();
        assertEquals("namespaces of " + prefix + " left behind", List.of(), left);
    }
}
