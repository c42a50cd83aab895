package expkt.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class LabViewAndCliTest {

    @Test
    void aViewSeesTheLabAndItsCloseLeavesTheLabToItsOwner() {
        try (Lab lab = Lab.builder().ports(2).bridge(true).build()) {
            Lab view = Lab.view(lab.prefix());
            assertEquals(lab.switchNs(), view.switchNs());
            assertTrue(view.bridged());
            assertEquals(lab.hosts(), view.hosts());
            String extra = view.namespace("vr1");
            assertTrue(Lab.listNamespaces().contains(extra));
            view.close();
            // the view removes what it made itself, nothing of the owner's
            assertFalse(Lab.listNamespaces().contains(extra));
            assertTrue(Lab.listNamespaces().containsAll(lab.namespaces()));
            // what a view made and did not remove goes with the owner's lab
            String extra2 = Lab.view(lab.prefix()).namespace("vr2");
            lab.close();
            List<String> after = Lab.listNamespaces();
            assertFalse(after.contains(extra2), after.toString());
            assertTrue(after.stream().noneMatch(ns -> ns.startsWith(lab.prefix() + "-")), after.toString());
        }
    }

    @Test
    void aViewOfABadOrMissingLabIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Lab.view("../etc"));
        assertTrue(e.getMessage().contains("../etc"), e.getMessage());
        LabException le = assertThrows(LabException.class, () -> Lab.view("xk999999999n7"));
        assertTrue(le.getMessage().contains("xk999999999n7"), le.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Lab.attach("Bad Name"));
        assertTrue(e.getMessage().contains("Bad Name"), e.getMessage());
    }

    @Test
    void theCliNamesBadCommandsAndOptions() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LabMain.run(new String[] {"explode"}));
        assertTrue(e.getMessage().contains("explode"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LabMain.run(new String[] {"up", "--colour", "red"}));
        assertTrue(e.getMessage().contains("--colour"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LabMain.run(new String[] {"up", "--name", "t", "--ports", "many"}));
        assertTrue(e.getMessage().contains("many"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LabMain.run(new String[] {"run", "--ports", "1"}));
        assertTrue(e.getMessage().contains("--"), e.getMessage());
        assertFalse(Lab.listNamespaces().contains("xklt-sw"), "no lab was made by a bad command line");
    }

    @Test
    void runGivesTheCommandItsLabAndItsExitCodeThenRemovesTheLab() {
        // the command checks from inside that it is in the switch namespace of the lab named in its environment
        String mine = "xk" + ProcessHandle.current().pid() + "n";
        List<String> before = Lab.listNamespaces().stream().filter(ns -> ns.startsWith(mine)).toList();
        int rc = LabMain.run(new String[] {"run", "--ports", "1", "--", "sh", "-c",
            "test \"$(ip netns identify)\" = \"$EXPKT_LAB_SWITCH\" && ip link show p1 >/dev/null && exit 7"});
        assertEquals(7, rc);
        assertEquals(before, Lab.listNamespaces().stream().filter(ns -> ns.startsWith(mine)).toList());
    }
}
