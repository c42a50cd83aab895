package expkt.itest.protocols;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.lang.reflect.InvocationTargetException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Hashtable;

import javax.inject.Inject;

import org.junit.Test;
import org.ops4j.pax.exam.Option;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import expkt.api.packet.PacketService;
import expkt.itest.ExpktOptions;
import expkt.itest.ExpktTestSupport;
import expkt.lab.Deadlines;
import expkt.lab.Lab;

/**
 * The Wake-on-LAN bundle in a running host: {@code wol:wake} sends a magic packet into a VLAN of the
 * data plane (configured through ConfigAdmin), which tshark on the hosts decodes tagged on the tagged
 * member and untagged on the untagged one; an unknown VLAN or a malformed MAC is refused naming it.
 *
 * <p>Relaying what etherwake sends: {@link WolRelayWhiteboardIT}.
 */
public class WolIT extends ExpktTestSupport {
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

    /**
     * Starts tshark on host {@code host}'s interface to decode one Wake-on-LAN frame, printing
     * {@code fields} separated by '|'; returns its output file once it really captures.
     */
    static Path tshark(Lab lab, int host, String... fields) throws Exception {
        Path log = Files.createTempFile("xkwol-h" + host, ".log");
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("tshark", "-i", "veth0", "-l", "-n", "-c", "1",
                "-a", "duration:15", "-Y", "wol", "-T", "fields", "-E", "separator=|", "-E", "occurrence=f"));
        for (String f : fields) {
            cmd.add("-e");
            cmd.add(f);
        }
        lab.spawn(lab.host(host).ns(), log, cmd.toArray(String[]::new));
        Deadlines.await(15_000, "tshark to start", () -> readQuietly(log).contains("Capture started"), () -> readQuietly(log));
        Thread.sleep(300); // dumpcap reports the start a moment before its socket takes every frame
        return log;
    }

    /** The first decoded line tshark wrote ({@code vlan.id|wol.mac}). */
    static String decoded(Path log) throws Exception {
        String[] decoded = {null};
        Deadlines.await(10_000, "tshark to decode a Wake-on-LAN frame", () -> {
            try {
                decoded[0] = Files.readAllLines(log).stream().filter(l -> l.contains("|")).findFirst().map(String::strip).orElse(null);
                return decoded[0] != null;
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, () -> readQuietly(log));
        return decoded[0];
    }

    private static String readQuietly(Path log) {
        try {
            return Files.readString(log);
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    private Object command() throws Exception {
        await("the wol commands registered", 10_000, () -> context.getServiceReference("expkt.protocol.wol.WolCommands") != null);
        ServiceReference<?> ref = context.getServiceReference("expkt.protocol.wol.WolCommands");
        assertTrue("wol commands are still registered", ref != null);
        assertEquals("wol", ref.getProperty("osgi.command.scope"));
        return context.getService(ref);
    }

    private static String wake(Object command, String mac, String vlan) throws Exception {
        try {
            return (String) command.getClass().getMethod("wake", String.class, String.class).invoke(command, mac, vlan);
        } catch (InvocationTargetException e) {
            throw (Exception) e.getCause();
        }
    }

    @Test
    public void wolWakeSendsIntoAVlanTaggedAndUntagged() throws Exception {
        Lab lab = lab();
        Configuration dp = cm.getConfiguration("expkt.dataplane", "?");
        Dictionary<String, Object> p = new Hashtable<>();
        p.put("vlans", new String[] {"name=blue tag=100 tagged=1:2 untagged=1:3"});
        dp.update(p);
        ServiceReference<PacketService> psRef = context.getServiceReference(PacketService.class);
        PacketService ps = context.getService(psRef);
        await("the VLAN blue configured", 10_000, () -> !ps.vlans().isEmpty());
        assertEquals("blue", ps.vlans().get(0).name());

        Path h2 = tshark(lab, 2, "vlan.id", "wol.mac");
        Path h3 = tshark(lab, 3, "vlan.id", "wol.mac");
        Object command = command();
        assertEquals("magic packet for 00:11:22:33:44:55 sent into VLAN blue", wake(command, "00:11:22:33:44:55", "blue"));
        assertEquals("100|00:11:22:33:44:55", decoded(h2));
        assertEquals("|00:11:22:33:44:55", decoded(h3));

        try {
            wake(command, "00:11:22:33:44:55", "purple");
            fail("an unknown VLAN was accepted");
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("\"purple\""));
        }
        try {
            wake(command, "00:11:22:33:44", "blue");
            fail("a malformed MAC was accepted");
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("00:11:22:33:44"));
        }
        Object relay = context.getService(context.getServiceReference("expkt.protocol.wol.WolCommands"));
        String stats = (String) relay.getClass().getMethod("stats").invoke(relay);
        assertTrue(stats, stats.contains("wol:wake sent 1"));
        dp.delete();
    }
}
