package expkt.lab;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each named topology is what its Javadoc says, proven with the kernel's own tools, and goes on close. */
class TopologiesTest {

    @Test
    void twoVrsReachOnlyTheirOwnHostAndAnswerThroughTheirEchoServer() throws Exception {
        List<String> made;
        try (TwoVrs vrs = Topologies.twoVrs("10.0.0.2", "10.0.0.3")) {
            made = vrs.lab().namespaces();
            vrs.lab().exec(vrs.vra(), "ping", "-c", "1", "-W", "2", "10.0.0.2").check();
            vrs.lab().exec(vrs.vrb(), "ping", "-c", "1", "-W", "2", "10.0.0.3").check();
            // the other VR's host is not reachable: the same check fails where it would have passed
            assertFalse(vrs.lab().exec(vrs.vra(), "ping", "-c", "1", "-W", "1", "10.0.0.3").ok(), "VR-A reaches VR-B's host");
            assertFalse(vrs.lab().exec(vrs.vrb(), "ping", "-c", "1", "-W", "1", "10.0.0.2").ok(), "VR-B reaches VR-A's host");
            assertTrue(vrs.lab().exec(vrs.mgmt(), "ip", "-o", "link").check().stdout().lines().count() == 1, "mgmt has only lo");
        }
        assertGone(made);
    }

    @Test
    void twoVrsWithTheSameAddressTellThemselvesApartByTheEchoTag() throws Exception {
        Path logs = Files.createTempDirectory("xktopo");
        try (Lab lab = Lab.builder().ports(0).build()) {
            TwoVrs vrs = Topologies.twoVrs(lab, "10.0.0.2", "10.0.0.2");
            vrs.startEchoServers(logs);
            String send = "import socket,sys; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3);"
                    + " s.sendto(b'hi', ('10.0.0.2', 7007)); print(s.recv(100).decode())";
            assertEquals("A:hi", lab.exec(vrs.vra(), "python3", "-c", send).check().stdout().strip());
            assertEquals("B:hi", lab.exec(vrs.vrb(), "python3", "-c", send).check().stdout().strip());
            vrs.close(); // built in a lab the test owns: close leaves it
            assertTrue(Lab.listNamespaces().contains(vrs.vra()));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Topologies.twoVrs("10.0.0.1", "10.0.0.2"));
        assertTrue(e.getMessage().contains("10.0.0.1"), e.getMessage());
    }

    @Test
    void theVlanTrunkNamesItsPortsAndVlans() {
        List<String> made;
        try (VlanTrunk trunk = Topologies.vlanTrunk()) {
            made = trunk.lab().namespaces();
            assertEquals(List.of("name=hosts tag=10 untagged=1:1", "name=blue tag=100 tagged=1:2", "name=green tag=200 untagged=1:3"),
                    List.of(trunk.vlans()));
            assertEquals(List.of(1, 2, 3), List.of(trunk.access().index(), trunk.trunk().index(), trunk.other().index()));
            assertFalse(trunk.lab().bridged(), "what crosses ports is what the switch under test sends");
        }
        assertGone(made);
    }

    @Test
    void bridgedHostsReachEachOther() {
        List<String> made;
        try (Lab lab = Topologies.bridgedHosts(3)) {
            made = lab.namespaces();
            assertTrue(lab.bridged());
            lab.exec(lab.host(1).ns(), "ping", "-c", "1", "-W", "2", "10.0.1.3").check();
            lab.exec(lab.host(3).ns(), "ping", "-c", "1", "-W", "2", "10.0.1.2").check();
        }
        assertGone(made);
        assertThrows(IllegalArgumentException.class, () -> Topologies.bridgedHosts(0));
    }

    private static void assertGone(List<String> made) {
        assertFalse(made.isEmpty());
        List<String> after = Lab.listNamespaces();
        for (String ns : made) {
            assertFalse(after.contains(ns), ns + " survived close");
        }
    }
}
