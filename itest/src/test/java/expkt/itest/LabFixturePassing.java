package expkt.itest;

import static org.junit.Assert.assertTrue;

import org.junit.Test;

import expkt.lab.Lab;

/** Run by {@link LabLifecycleIT} (not by failsafe directly): a test class whose test passes. */
public class LabFixturePassing extends ExpktTestSupport {
    @Test
    public void theLabExistsWhileTheTestRuns() {
        Lab lab = lab();
        assertTrue(Lab.listNamespaces().containsAll(lab.namespaces().isEmpty()
                ? java.util.List.of(lab.switchNs(), lab.host(1).ns()) : lab.namespaces()));
    }
}
