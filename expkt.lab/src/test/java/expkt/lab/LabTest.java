package expkt.lab;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LabTest {

    @Test
    void namespacesAndLinksExistWhileOpenAndAreGoneAfter() {
        List<String> made;
        try (Lab lab = Lab.builder().ports(3).bridge(true).build()) {
            made = lab.namespaces();
            assertEquals(4, made.size(), made.toString());
            assertTrue(Lab.listNamespaces().containsAll(made));
            for (Host h : lab.hosts()) {
                String link = lab.exec(lab.switchNs(), "ip", "-o", "link", "show", h.switchIf()).check().stdout();
                assertTrue(link.contains("master br0"), link);
                assertTrue(link.contains("state UP") || link.contains("LOWER_UP"), link);
                assertTrue(h.mac().matches("([0-9a-f]{2}:){5}[0-9a-f]{2}"), h.mac());
            }
            // ports are created in order: p1 < p2 < p3 by ifindex
            int i1 = ifindex(lab, "p1"), i2 = ifindex(lab, "p2"), i3 = ifindex(lab, "p3");
            assertTrue(i1 < i2 && i2 < i3, i1 + " " + i2 + " " + i3);
            // frames cross the bridge: host 1 reaches host 3 over IPv4
            lab.addr(lab.host(1).ns(), "veth0", "10.98.0.1/24");
            lab.addr(lab.host(3).ns(), "veth0", "10.98.0.3/24");
            lab.exec(lab.host(1).ns(), "ping", "-c", "1", "-W", "2", "10.98.0.3").check();
        }
        List<String> after = Lab.listNamespaces();
        for (String ns : made) {
            assertFalse(after.contains(ns), ns + " survived close");
        }
    }

    private static int ifindex(Lab lab, String ifName) {
        return Integer.parseInt(lab.exec(lab.switchNs(), "cat", "/sys/class/net/" + ifName + "/ifindex").check().stdout().strip());
    }

    @Test
    void aFailingTestStillRemovesItsLab() {
        String[] prefix = new String[1];
        RuntimeException thrown = assertThrows(RuntimeException.class, () -> {
            try (Lab lab = Lab.builder().ports(1).build()) {
                prefix[0] = lab.prefix();
                throw new RuntimeException("the test failed");
            }
        });
        assertEquals("the test failed", thrown.getMessage());
        assertTrue(Lab.listNamespaces().stream().noneMatch(ns -> ns.startsWith(prefix[0] + "-")));
    }

    @Test
    void staleLabsOfDeadProcessesAreRemoved() {
        // pid 999999999 is above any pid_max: that process is certainly gone
        String stale = "xk999999999n1-sw";
        Exec.run("ip", "netns", "add", stale).check();
        try {
            assertTrue(Lab.cleanStale() >= 1);
            assertFalse(Lab.listNamespaces().contains(stale));
        } finally {
            Exec.run("ip", "netns", "del", stale);
        }
    }

    @Test
    void badInputIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Lab.builder().ports(99));
        assertTrue(e.getMessage().contains("99"), e.getMessage());
        try (Lab lab = Lab.builder().ports(1).build()) {
            e = assertThrows(IllegalArgumentException.class, () -> lab.host(2));
            assertTrue(e.getMessage().contains("2"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> lab.link(lab.switchNs(), "an-interface-name-too-long", lab.host(1).ns(), "x"));
            assertTrue(e.getMessage().contains("an-interface-name-too-long"), e.getMessage());
            LabException le = assertThrows(LabException.class, () -> lab.exec(lab.switchNs(), "ip", "link", "show", "nosuchif").check());
            assertTrue(le.getMessage().contains("nosuchif"), le.getMessage());
        }
    }
}
