package expkt.itest.protocols;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.inject.Inject;

import org.junit.Test;
import org.ops4j.pax.exam.Option;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import expkt.api.handler.StateHandover;
import expkt.itest.ExpktOptions;
import expkt.itest.ExpktTestSupport;
import expkt.lab.Lab;

/**
 * The LLDP bundle as a whiteboard handler against lldpd: {@code lldp:neighbors} lists lldpd's chassis
 * and port and lldpd lists ours; after an in-place update both tables are intact (our table, counters
 * included, came through {@link StateHandover}; lldpd never deleted or re-inserted us); lldpd's
 * shutdown LLDPDU removes it from ours.
 *
 * <p>Needs the provider's whiteboard dispatch and StateHandover .
 */
public class LldpWhiteboardIT extends ExpktTestSupport {
    @Inject
    private ConfigurationAdmin cm;

    @Override
    protected Lab.Builder labSpec() {
        return Lab.builder().ports(2);
    }

    @Override
    protected Option[] options() {
        return new Option[] {ExpktOptions.projectBundles("expkt.provider", "expkt.vr", "expkt.protocol.lldp")};
    }

    private String command(String function) {
        ServiceReference<?> ref = context.getServiceReference("expkt.protocol.lldp.LldpCommands");
        if (ref == null) {
            return "";
        }
        Object c = context.getService(ref);
        try {
            return (String) c.getClass().getMethod(function).invoke(c);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("lldp:" + function + " failed", e);
        } finally {
            context.ungetService(ref);
        }
    }

    private static long counter(String stats, String name) {
        Matcher m = Pattern.compile(name + " (\\d+)").matcher(stats);
        assertTrue(name + " in " + stats, m.find());
        return Long.parseLong(m.group(1));
    }

    private Bundle lldpBundle() {
        for (Bundle b : context.getBundles()) {
            if ("expkt.protocol.lldp".equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError("expkt.protocol.lldp is not installed");
    }

    @Test
    public void bothTablesSurviveAnUpdateAndLldpdsShutdownRemovesIt() throws Exception {
        await("the provider's StateHandover (its whiteboard dispatch)", 5000, () -> context.getServiceReference(StateHandover.class) != null);
        Lab lab = lab();
        Configuration c = cm.getConfiguration("expkt.protocol.lldp", "?");
        Dictionary<String, Object> p = new Hashtable<>();
        p.put("tx.interval", 1);
        p.put("system.name", "xkswitch");
        c.update(p);

        String ns = lab.host(1).ns();
        String peerMac = lab.host(1).mac();
        Path socket = Path.of("/tmp", lab.prefix() + "-lldpdw.socket");
        Process lldpd = lab.spawn(ns, Files.createTempFile("xklldpd", ".log"), "lldpd", "-d", "-u", socket.toString(), "-I", "veth0",
                "-O", "/dev/null");
        try {
            await("lldpd's control socket", 10_000,
                    () -> Files.exists(socket) && lab.exec(ns, "lldpcli", "-u", socket.toString(), "show", "chassis").ok());
            lab.exec(ns, "lldpcli", "-u", socket.toString(), "configure", "system", "hostname", "xkpeer1").check();
            lab.exec(ns, "lldpcli", "-u", socket.toString(), "configure", "lldp", "tx-interval", "1").check();
            String[] neighbors = {"lldpcli", "-u", socket.toString(), "-f", "keyvalue", "show", "neighbors"};
            String[] statistics = {"lldpcli", "-u", socket.toString(), "-f", "keyvalue", "show", "statistics"};

            // each lists the other
            await("lldp:neighbors to list lldpd", 15_000, () -> command("neighbors").contains("xkpeer1"));
            String ours = command("neighbors");
            System.out.println(ours);
            assertTrue(ours, ours.lines().anyMatch(l -> l.startsWith("1:1 ") && l.contains(peerMac + "    " + peerMac)
                    && l.contains("xkpeer1")));
            await("lldpd to list xkswitch", 15_000,
                    () -> "xkswitch".equals(LldpIT.keyValues(lab.exec(ns, neighbors).stdout()).get("lldp.veth0.chassis.name")));
            assertEquals("1:1", LldpIT.keyValues(lab.exec(ns, neighbors).check().stdout()).get("lldp.veth0.port.ifname"));

            // in-place update: our table and counters come through StateHandover, lldpd keeps us
            await("three of lldpd's LLDPDUs received", 15_000, () -> counter(command("stats"), "frames in") >= 3);
            long framesBefore = counter(command("stats"), "frames in");
            assertTrue("lldpd's LLDPDUs were received: " + framesBefore, framesBefore >= 3);
            Bundle b = lldpBundle();
            b.update();
            await("the new version's commands", 10_000, () -> !command("stats").isEmpty());
            String statsAfter = command("stats");
            assertTrue("counters handed over: " + statsAfter, counter(statsAfter, "frames in") >= framesBefore);
            assertEquals(statsAfter, 1, counter(statsAfter, "inserts"));
            assertTrue(command("neighbors"), command("neighbors").contains("xkpeer1"));
            Thread.sleep(6000); // longer than the TTL we advertise (5 s)
            Map<String, String> s = LldpIT.keyValues(lab.exec(ns, statistics).check().stdout());
            assertEquals(s.toString(), "1", s.get("lldp.veth0.insert_cnt.insert_cnt"));
            assertEquals(s.toString(), "0", s.get("lldp.veth0.delete_cnt.delete_cnt"));
            assertEquals(s.toString(), "0", s.get("lldp.veth0.ageout_cnt.ageout_cnt"));
            String afterWait = command("stats");
            assertEquals("lldpd was never re-inserted on our side: " + afterWait, 1, counter(afterWait, "inserts"));
            assertEquals(afterWait, 0, counter(afterWait, "ageouts"));

            // lldpd stops: its shutdown LLDPDU removes it from our table before its TTL could
            lldpd.destroy();
            lldpd.waitFor();
            await("lldpd's shutdown LLDPDU", 3_000, () -> command("neighbors").contains("0 neighbours"));
            String end = command("stats");
            assertEquals(end, 1, counter(end, "shutdowns in"));
            assertEquals(end, 0, counter(end, "ageouts"));
        } finally {
            lldpd.destroy();
            lldpd.waitFor();
            Files.deleteIfExists(socket);
            c.delete();
        }
    }
}
