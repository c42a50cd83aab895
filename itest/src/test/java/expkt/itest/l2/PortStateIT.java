package expkt.itest.l2;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.List;
import java.util.function.Predicate;

import org.junit.Test;
import org.ops4j.pax.exam.Option;

import expkt.api.net.SlotPort;
import expkt.api.packet.PacketService;
import expkt.api.packet.PacketSocket;
import expkt.api.packet.PartialSendException;
import expkt.api.runtime.ExpktRuntime;
import expkt.api.runtime.PortDTO;
import expkt.itest.ExpktOptions;
import expkt.itest.ExpktTestSupport;

/**
 * Port state in a running framework (issue 12): a live MTU change and a port going down show in
 * the port DTOs of the runtime service (what {@code expkt:ports} prints), a send to that port's
 * neighbours still goes out and the {@link PartialSendException} (API package 1.3, resolved by a consumer bundle) names the down port.
 */
public class PortStateIT extends ExpktTestSupport {

    @Override
    protected Option[] options() {
        return new Option[] {ExpktOptions.projectBundles("expkt.provider")};
    }

    private <T> T service(Class<T> type) throws Exception {
        return awaitService(type);
    }

    /** The port DTOs {@code expkt:ports} prints, from the runtime service. */
    private List<PortDTO> ports() throws Exception {
        return service(ExpktRuntime.class).ports();
    }

    private List<PortDTO> awaitPorts(String what, Predicate<List<PortDTO>> until) throws Exception {
        java.util.concurrent.atomic.AtomicReference<List<PortDTO>> now = new java.util.concurrent.atomic.AtomicReference<>(List.of());
        expkt.lab.Deadlines.await(10_000, "the port DTOs to show " + what, () -> {
            try {
                now.set(ports());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return until.test(now.get());
        }, now::get);
        return now.get();
    }

    private static Predicate<List<PortDTO>> row(String slotPort, String ifName, String mtu, String state) {
        return ports -> ports.stream().anyMatch(p -> p.slotPort.equals(slotPort) && p.ifName.equals(ifName)
                && p.mtu == Integer.parseInt(mtu) && p.operState.equals(state));
    }

    @Test
    public void mtuAndLinkChangesShowLiveAndASendNamesTheDownPort() throws Exception {
        PacketService packets = service(PacketService.class);
        String sw = lab().switchNs();
        awaitPorts("1:1 and 1:2 up at MTU 1500", row("1:1", "p1", "1500", "up").and(row("1:2", "p2", "1500", "up")));
        try {
            lab().exec(sw, "ip", "link", "set", "p1", "mtu", "9000").check();
            lab().exec(lab().host(1).ns(), "ip", "link", "set", "veth0", "mtu", "9000").check(); // or the far end drops it: ENOBUFS
            awaitPorts("1:1 at MTU 9000", row("1:1", "p1", "9000", "up"));
            lab().exec(sw, "ip", "link", "set", "p2", "down").check();
            awaitPorts("1:2 down", row("1:2", "p2", "1500", "down"));
            assertEquals(9000, packets.ports().stream().filter(p -> p.ifName().equals("p1")).findFirst().orElseThrow().mtu());
            try (PacketSocket s = packets.open()) {
                byte[] jumbo = new byte[9014];
                jumbo[12] = 0x08;
                jumbo[13] = 0x42;
                s.sendto(jumbo, SlotPort.of(1, 1)); // the new MTU: taken whole
                byte[] frame = new byte[1514];
                frame[12] = 0x08;
                frame[13] = 0x42;
                try {
                    s.sendto(frame, SlotPort.of(1, 1), SlotPort.of(1, 2));
                    fail("1:2 is down: the send must name it");
                } catch (PartialSendException e) {
                    assertEquals(e.getMessage(), List.of(SlotPort.of(1, 2)), List.copyOf(e.failedPorts().keySet()));
                    assertTrue(e.getMessage(), e.failedPorts().get(SlotPort.of(1, 2)).contains("ENETDOWN"));
                    assertEquals(e.getMessage(), 1, e.sent());
                }
            }
        } finally {
            lab().exec(sw, "ip", "link", "set", "p2", "up").check();
            lab().exec(sw, "ip", "link", "set", "p1", "mtu", "1500").check();
            lab().exec(lab().host(1).ns(), "ip", "link", "set", "veth0", "mtu", "1500").check();
        }
        awaitPorts("both back", row("1:1", "p1", "1500", "up").and(row("1:2", "p2", "1500", "up")));
    }
}
