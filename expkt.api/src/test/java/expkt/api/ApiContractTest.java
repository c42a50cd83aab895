package expkt.api;

import expkt.api.handler.HandlerFilter;
import expkt.api.net.MacAddress;
import expkt.api.net.SlotPort;
import expkt.api.packet.Direction;
import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.FilterAction;
import expkt.api.packet.PacketType;
import expkt.api.packet.Port;
import expkt.api.packet.RxMode;
import expkt.api.packet.Vlan;
import expkt.api.spi.ExosSockAddrs;
import expkt.api.vr.AllVrServerSocket;
import expkt.api.vr.VirtualRouter;
import expkt.api.vr.VirtualRouters;
import expkt.api.vr.VrBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 14, "an API that checks itself": the values a user makes or that will grow are final classes
 * with factories or builders (no public constructor: a new field is not a breaking change) whose
 * checks name the bad value; {@code @HandlerFilter} takes enums; the provider's ways in
 * ({@code ExosSockAddr}'s setter, the VR of a namespace) are not in the public packages.
 */
class ApiContractTest {

    @Test
    void growingValuesAreFinalClassesWithoutPublicConstructors() {
        for (Class<?> c : List.of(Port.class, Vlan.class, VirtualRouter.class, AllVrServerSocket.Accepted.class)) {
            assertFalse(c.isRecord(), c + " is a record");
            assertTrue(Modifier.isFinal(c.getModifiers()), c + " is not final");
            assertEquals(0, c.getConstructors().length, c + " has a public constructor");
        }
    }

    @Test
    void portIsAValueWhoseBuilderNamesABadField() {
        Port p = port().build();
        assertEquals(p, port().build());
        assertEquals(p.hashCode(), port().build().hashCode());
        assertNotEquals(p, port().mtu(9000).build());
        assertEquals("Port[slotPort=1:2, ifName=swp2, ifIndex=7, mac=02:00:00:00:00:07, mtu=1500, vr=VR-Default]", p.toString());
        bad("\"\"", () -> port().ifName("").build());
        bad("interface index 0", () -> port().ifIndex(0).build());
        bad("MTU -1", () -> port().mtu(-1).build());
        bad("MAC address is required", () -> port().mac(null).build());
        bad("slot:port is required", () -> port().slotPort(null).build());
    }

    private static Port.Builder port() {
        return Port.builder().slotPort(SlotPort.of(1, 2)).ifName("swp2").ifIndex(7).mac(MacAddress.parse("02:00:00:00:00:07"))
                .mtu(1500).vr("VR-Default");
    }

    @Test
    void vlanIsAValueWhoseFactoryNamesABadField() {
        Vlan v = Vlan.of("blue", 100, Set.of(SlotPort.of(1, 1)), Set.of(SlotPort.of(1, 2)));
        assertEquals(v, Vlan.of("blue", 100, Set.of(SlotPort.of(1, 1)), Set.of(SlotPort.of(1, 2))));
        assertEquals("Vlan[name=blue, tag=100, tagged=[1:1], untagged=[1:2]]", v.toString());
        bad("VLAN id 4095", () -> Vlan.of("blue", 4095, Set.of(), Set.of()));
        bad("port 1:1 is both tagged and untagged", () -> Vlan.of("blue", 100, Set.of(SlotPort.of(1, 1)), Set.of(SlotPort.of(1, 1))));
        bad("name is blank", () -> Vlan.of(" ", 100, Set.of(), Set.of()));
        bad("tagged port set is null", () -> Vlan.of("blue", 100, null, Set.of()));
    }

    @Test
    void virtualRouterAndAcceptedAreValuesWhoseFactoriesNameABadField() {
        VirtualRouter vr = VirtualRouter.of(2, "VR-Default", VrBackend.NETNS, "");
        assertEquals(vr, VirtualRouter.of(2, "VR-Default", VrBackend.NETNS, ""));
        assertEquals("VirtualRouter[id=2, name=VR-Default, backend=NETNS, location=]", vr.toString());
        bad("id -1", () -> VirtualRouter.of(-1, "VR-X", VrBackend.NETNS, ""));
        bad("backend is null", () -> VirtualRouter.of(5, "VR-X", null, ""));
        bad("location is null", () -> VirtualRouter.of(5, "VR-X", VrBackend.VRF, null));
        bad("channel is null", () -> AllVrServerSocket.Accepted.of(vr, null));
    }

    @Test
    void handlerFilterTakesEnums() throws Exception {
        assertEquals(FilterAction.class, HandlerFilter.class.getMethod("action").getReturnType());
        assertEquals(Direction.class, HandlerFilter.class.getMethod("direction").getReturnType());
        assertEquals(RxMode.class, HandlerFilter.class.getMethod("rx_mode").getReturnType());
        assertEquals(FilterAction.UP_AND_CONTINUE, HandlerFilter.class.getMethod("action").getDefaultValue());
        assertEquals(RxMode.THROUGHPUT, HandlerFilter.class.getMethod("rx_mode").getDefaultValue());
    }

    @Test
    void theProvidersWaysInAreNotInThePublicPackages() {
        for (Method m : ExosSockAddr.class.getMethods()) {
            assertFalse(m.getName().equals("set"), "ExosSockAddr has a public " + m);
        }
        assertTrue(Arrays.stream(VirtualRouters.class.getMethods()).noneMatch(m -> m.getName().equals("byNamespaceInode")));
        // the provider's setter works, and nobody can install another
        ExosSockAddr a = new ExosSockAddr();
        ExosSockAddrs.set(a, 1, 2, "p2", 3, 100, "blue", 2, "VR-Default", Direction.INGRESS, PacketType.OTHERHOST, 5L, 68, 64, 0x0842);
        assertEquals("p2", a.ifName());
        assertEquals(100, a.vlanId());
        assertEquals(64, a.capturedLength());
        IllegalStateException again = assertThrows(IllegalStateException.class, () -> ExosSockAddrs.install((x, s, p, i, ix, v, vn, r, rn, d, t, ts, o, c, pr) -> { }));
        assertTrue(again.getMessage().contains("installed already"), again.getMessage());
    }

    private static void bad(String named, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(named), "message \"" + e.getMessage() + "\" does not name " + named);
    }
}
