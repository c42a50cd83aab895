package expkt.itest.protocols;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Hashtable;

import javax.inject.Inject;

import org.junit.Test;
import org.ops4j.pax.exam.Option;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import expkt.api.handler.StateHandover;
import expkt.api.packet.PacketService;
import expkt.api.runtime.ExpktRuntime;
import expkt.api.runtime.FilterDTO;
import expkt.itest.ExpktOptions;
import expkt.itest.ExpktTestSupport;
import expkt.lab.Lab;

/**
 * The Wake-on-LAN relay as a whiteboard handler: Debian's etherwake on host 1 (port 1:1, untagged in
 * VLAN hosts) sends a magic packet; the relay sends it into VLAN blue (tagged 100 on 1:2) and green
 * (untagged on 1:3), where tshark decodes it; a UDP magic packet to port 9 likewise; and again after an
 * in-place update of the bundle.
 *
 * <p>Needs the provider's whiteboard dispatch .
 */
public class WolRelayWhiteboardIT extends ExpktTestSupport {
    @Inject
    private ConfigurationAdmin cm;

    @Override
    protected Lab.Builder labSpec() {
        return Lab.builder().ports(3);
    }

    @Override
    protected Option[] options() {
        return new Option[] {ExpktOptions.projectBundles("expkt.provider", "expkt.vr", "expkt.protocol.wol")};
    }

    /** {@link #stats()} inside a wait's condition. */
    private String statsNow() {
        try {
            return stats();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private String stats() throws Exception {
        ServiceReference<?> ref = context.getServiceReference("expkt.protocol.wol.WolCommands");
        if (ref == null) {
            return "";
        }
        Object c = context.getService(ref);
        try {
            return (String) c.getClass().getMethod("stats").invoke(c);
        } finally {
            context.ungetService(ref);
        }
    }

    private void etherwakeIsRelayed(Lab lab, String target) throws Exception {
        Path h2 = WolIT.tshark(lab, 2, "vlan.id", "eth.src", "wol.mac");
        Path h3 = WolIT.tshark(lab, 3, "vlan.id", "eth.src", "wol.mac");
        lab.exec(lab.host(1).ns(), "etherwake", "-i", "veth0", "-b", target).check();
        String sender = lab.host(1).mac();
        expkt.lab.Deadlines.await(5000, "the relay to see the magic packet for " + target,
                () -> statsNow().contains("target " + target), this::statsNow);
        assertEquals("tagged 100 on blue's tagged member", "100|" + sender + "|" + target, WolIT.decoded(h2));
        assertEquals("untagged on green's untagged member", "|" + sender + "|" + target, WolIT.decoded(h3));
    }

    @Test
    public void etherwakeAndUdpMagicPacketsAreRelayedAlsoAfterAnUpdate() throws Exception {
        await("the provider's whiteboard dispatch (StateHandover)", 5000, () -> context.getServiceReference(StateHandover.class) != null);
        Lab lab = lab();
        Configuration dp = cm.getConfiguration("expkt.dataplane", "?");
        Dictionary<String, Object> p = new Hashtable<>();
        p.put("vlans", new String[] {"name=hosts tag=10 untagged=1:1", "name=blue tag=100 tagged=1:2", "name=green tag=200 untagged=1:3"});
        dp.update(p);
        Configuration wol = cm.getConfiguration("expkt.protocol.wol", "?");
        Dictionary<String, Object> w = new Hashtable<>();
        w.put("relay.vlans", new String[] {"hosts,blue,green"});
        w.put("udp.port", 9);
        wol.update(w);
        PacketService ps = context.getService(context.getServiceReference(PacketService.class));
        await("the three VLANs configured", 10_000, () -> ps.vlans().size() >= 3);
        await("the relay configured for UDP port 9", 10_000, () -> statsNow().contains("UDP port 9"));
        // the relay's configuration enables the UDP handler: the frames below need both handlers' filters enforced
        ExpktRuntime runtime = awaitService(ExpktRuntime.class);
        for (String filter : new String[] {"wol", "wol-udp"}) {
            await("the filter " + filter + " enforced", 10_000, () -> runtime.filters().stream()
                    .anyMatch(f -> filter.equals(f.name) && FilterDTO.ENFORCED.equals(f.state)));
        }

        etherwakeIsRelayed(lab, "00:11:22:33:44:55");
        String s = stats();
        assertTrue(s, s.contains("magic 0x0842 1"));
        assertTrue(s, s.contains("relayed {hosts=0, blue=1, green=1}"));
        assertTrue(s, s.contains("target 00:11:22:33:44:55"));

        // UDP to port 9 (limited broadcast), relayed as 0x0842
        Path h2 = WolIT.tshark(lab, 2, "vlan.id", "eth.src", "wol.mac");
        Path h3 = WolIT.tshark(lab, 3, "vlan.id", "eth.src", "wol.mac");
        String h1 = lab.host(1).ns();
        lab.addr(h1, "veth0", "10.9.0.1/24");
        lab.exec(h1, "python3", "-c", """
                import socket
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"veth0")
                s.sendto(b"\\xff" * 6 + bytes.fromhex("0a1b2c3d4e5f") * 16, ("255.255.255.255", 9))
                """).check();
        String sender = lab.host(1).mac();
        assertEquals("100|" + sender + "|0a:1b:2c:3d:4e:5f", WolIT.decoded(h2));
        assertEquals("|" + sender + "|0a:1b:2c:3d:4e:5f", WolIT.decoded(h3));

        // in-place update: the provider keeps the handler's socket, the new version relays
        for (Bundle b : context.getBundles()) {
            if ("expkt.protocol.wol".equals(b.getSymbolicName())) {
                b.update();
            }
        }
        await("the updated relay's wol:stats", 10_000, () -> !statsNow().isEmpty());
        etherwakeIsRelayed(lab, "00:11:22:33:44:66");
        wol.delete();
        dp.delete();
    }
}
