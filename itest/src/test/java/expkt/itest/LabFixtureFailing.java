package expkt.itest;

import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import org.junit.Test;

import expkt.lab.Lab;

/** Run by {@link LabLifecycleIT} (not by failsafe directly): a test class whose test fails. */
public class LabFixtureFailing extends ExpktTestSupport {
    static final String FAILURE = "deliberate failure with the lab up";

    @Test
    public void failsWithTheLabUp() {
        Lab lab = lab();
        assertTrue(Lab.listNamespaces().contains(lab.switchNs()));
        assertTrue(Lab.listNamespaces().contains(lab.host(2).ns()));
        fail(FAILURE + " (" + lab.prefix() + ")");
    }
}
