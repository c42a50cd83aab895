package expkt.vr.internal;

import expkt.api.vr.VirtualRouter;
import expkt.api.vr.VrBackend;
import expkt.lab.Lab;
import expkt.linux.NetNs;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VrTableTest {

    private static void assertNamed(RuntimeException e, String... values) {
        for (String v : values) {
            assertTrue(e.getMessage().contains(v), "\"" + e.getMessage() + "\" should name " + v);
        }
    }

    @Test
    void builtInsHaveExosIdsAndHostDefaultIsMgmt() {
        VrTable t = new VrTable(VrfSupport.detect());
        assertEquals(List.of("VR-Mgmt", "VR-Control", "VR-Default"), t.list().stream().map(VirtualRouter::name).toList());
        assertEquals(0, t.byName("VR-Mgmt").id());
        assertEquals(1, t.byName("vr-control").id());
        assertEquals("VR-Default", t.byId(2).name());
        assertEquals("VR-Mgmt", t.hostDefault().name());
        t.setHostDefault("VR-Default");
        assertEquals(2, t.hostDefault().id());
        assertEquals(2, t.affinity("any.bundle", null).id());
    }

    @Test
    void unknownNamesAndIdsAreNamed() {
        VrTable t = new VrTable(VrfSupport.detect());
        assertNamed(assertThrows(IllegalArgumentException.class, () -> t.byName("VR-Nope")), "VR-Nope", "VR-Mgmt");
        assertNamed(assertThrows(IllegalArgumentException.class, () -> t.byId(77)), "77");
        assertNamed(assertThrows(IllegalArgumentException.class, () -> t.byName("ALL")), "ALL", "listening");
        assertNamed(assertThrows(IllegalArgumentException.class, () -> t.setHostDefault("all")), "all");
    }

    @Test
    void duplicateIdOrNameIsRejectedAndTheGoodOnesStay() {
        VrTable t = new VrTable(VrfSupport.detect());
        VirtualRouter blue = t.add(5, "VR-Blue", VrBackend.NETNS, "xk-blue");
        assertNamed(assertThrows(IllegalArgumentException.class, () -> t.add(5, "VR-Red", VrBackend.NETNS, "xk-red")), "5", "VR-Blue", "VR-Red");
        assertNamed(assertThrows(IllegalArgumentException.class, () -> t.add(6, "vr-blue", VrBackend.NETNS, "xk-red")), "vr-blue", "6");
        assertNamed(assertThrows(IllegalArgumentException.class, () -> t.add(6, "VR-Default", null, "xk-red")), "VR-Default");
        assertNamed(assertThrows(IllegalArgumentException.class, () -> t.add(2, "VR-Two", null, "xk-red")), "2", "VR-Two");
        assertNamed(assertThrows(IllegalArgumentException.class, () -> t.add(70000, "VR-Big", null, "xk-red")), "70000");
        assertNamed(assertThrows(IllegalArgumentException.class, () -> t.add(7, "ALL", null, "xk-red")), "ALL");
        assertNamed(assertThrows(IllegalArgumentException.class, () -> t.add(7, "bad name", null, "xk-red")), "bad name");
        assertNamed(assertThrows(IllegalArgumentException.class, () -> t.add(7, "VR-Empty", VrBackend.NETNS, "")), "VR-Empty");
        assertEquals(List.of(0, 1, 2, 5), t.list().stream().map(VirtualRouter::id).toList());
        assertEquals(blue, t.byName("VR-BLUE"));
        assertTrue(t.remove(blue));
        assertEquals(6, t.add(6, "VR-Red", null, "xk-red").id());
    }

    @Test
    void affinityConfigurationWinsOverTheHeaderAndDuplicatesAreNamed() {
        VrTable t = new VrTable(VrfSupport.detect());
        t.add(5, "VR-Blue", null, "xk-blue");
        assertEquals("VR-Blue", t.affinity("b", "VR-Blue").name());
        t.setAffinity("b", "VR-Default");
        assertEquals("VR-Default", t.affinity("b", "VR-Blue").name());
        assertNamed(assertThrows(IllegalArgumentException.class, () -> t.setAffinity("b", "VR-Mgmt")), "b", "VR-Mgmt", "VR-Default");
        t.clearAffinity("b", "VR-Default");
        t.setAffinity("c", "VR-Gone");
        assertNamed(assertThrows(IllegalArgumentException.class, () -> t.affinity("c", null)), "c", "VR-Gone");
        assertNamed(assertThrows(IllegalArgumentException.class, () -> t.setAffinity("d", "ALL")), "d", "ALL");
    }

    @Test
    void vrfBackendFollowsWhatTheKernelHas() {
        VrfSupport vrf = VrfSupport.detect();
        VrTable t = new VrTable(vrf);
        if (vrf.supported()) {
            VirtualRouter v = t.add(9, "VR-Vrf", VrBackend.VRF, "");
            assertEquals("vrf_265", v.location(), "EXOS 30+ device naming");
        } else {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.add(9, "VR-Vrf", VrBackend.VRF, ""));
            assertNamed(e, "VR-Vrf", "vrf_265", vrf.reason());
            // a built-in VR's unusable location: named, that VR stays where it was, the others are applied
            List<String> errors = t.setBuiltins("xk-m", "", "vrf:vrf_258");
            assertEquals(1, errors.size(), errors.toString());
            assertTrue(errors.get(0).contains("VR-Default") && errors.get(0).contains("vrf_258") && errors.get(0).contains("host namespace"), errors.get(0));
            assertEquals("xk-m", t.byName("VR-Mgmt").location());
            assertEquals(VrBackend.NETNS, t.byName("VR-Default").backend());
            assertTrue(vrf.reason().contains(System.getProperty("os.version")), vrf.reason());
        }
    }

    @Test
    void namespaceInodeTellsTheVrHighestIdWinning() throws Exception {
        try (Lab lab = Lab.builder().ports(0).build()) {
            String a = lab.namespace("a");
            String sw = lab.namespace("sw2");
            VrTable t = new VrTable(VrfSupport.detect());
            t.setBuiltins("", "", sw);
            t.add(10, "VR-A", null, a);
            try (NetNs nsA = NetNs.open(a); NetNs nsSw = NetNs.open(sw); NetNs home = NetNs.open("/proc/self/ns/net")) {
                assertEquals("VR-A", t.byNamespaceInode(nsA.inode()).orElseThrow().name());
                assertEquals("VR-Default", t.byNamespaceInode(nsSw.inode()).orElseThrow().name());
                // VR-Mgmt and VR-Control share the host namespace: the higher id represents it
                assertEquals("VR-Control", t.byNamespaceInode(home.inode()).orElseThrow().name());
                t.add(11, "VR-A2", null, "/run/netns/" + a);
                assertEquals("VR-A2", t.byNamespaceInode(nsA.inode()).orElseThrow().name());
                assertTrue(t.byNamespaceInode(123).isEmpty());
            }
        }
    }
}
