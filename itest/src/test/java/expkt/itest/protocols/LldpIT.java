package expkt.itest.protocols;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;
import java.util.TreeMap;

import javax.inject.Inject;

import org.junit.Test;
import org.ops4j.pax.exam.Option;
import org.osgi.framework.Bundle;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import expkt.itest.ExpktOptions;
import expkt.itest.ExpktTestSupport;
import expkt.lab.Lab;

/**
 * The LLDP bundle in a running host against Debian's lldpd in a host namespace: lldpd lists our
 * switch (system name from ConfigAdmin, port ID = slot:port); an in-place update of the bundle is
 * invisible to lldpd (no delete, no re-insert, no ageout); a stop sends the shutdown LLDPDU and lldpd
 * forgets us at once.
 *
 * <p>Receiving (lldp:neighbors listing lldpd, the table handed over on update): {@link LldpWhiteboardIT}.
 */
public class LldpIT extends ExpktTestSupport {
    private static final String BSN = "expkt.protocol.lldp";

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

    static Map<String, String> keyValues(String text) {
        Map<String, String> m = new TreeMap<>();
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                m.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
            }
        }
        return m;
    }

    private Bundle lldpBundle() {
        for (Bundle b : context.getBundles()) {
            if (BSN.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError("bundle " + BSN + " is not installed");
    }

    @Test
    public void lldpdSeesOurSwitchThroughAnUpdateUntilWeStop() throws Exception {
        Lab lab = lab();
        Configuration c = cm.getConfiguration("expkt.protocol.lldp", "?");
        Dictionary<String, Object> p = new Hashtable<>();
        p.put("tx.interval", 1);
        p.put("system.name", "xkswitch");
        p.put("system.description", "expkt LLDP itest");
        c.update(p);

        String ns = lab.host(1).ns();
        Path socket = Path.of("/tmp", lab.prefix() + "-lldpd1.socket");
        Path log = Files.createTempFile("xklldpd", ".log");
        Process lldpd = lab.spawn(ns, log, "lldpd", "-d", "-u", socket.toString(), "-I", "veth0", "-O", "/dev/null");
        try {
            await("lldpd's control socket", 10_000,
                    () -> Files.exists(socket) && lab.exec(ns, "lldpcli", "-u", socket.toString(), "show", "chassis").ok());
            lab.exec(ns, "lldpcli", "-u", socket.toString(), "configure", "lldp", "tx-interval", "1").check();
            String[] neighbors = {"lldpcli", "-u", socket.toString(), "-f", "keyvalue", "show", "neighbors"};
            String[] statistics = {"lldpcli", "-u", socket.toString(), "-f", "keyvalue", "show", "statistics"};

            await("lldpd to list xkswitch", 15_000,
                    () -> "xkswitch".equals(keyValues(lab.exec(ns, neighbors).stdout()).get("lldp.veth0.chassis.name")));
            Map<String, String> n = keyValues(lab.exec(ns, neighbors).check().stdout());
            assertEquals(n.toString(), "1:1", n.get("lldp.veth0.port.ifname"));
            assertEquals(n.toString(), "p1", n.get("lldp.veth0.port.descr"));
            assertEquals(n.toString(), "expkt LLDP itest", n.get("lldp.veth0.chassis.descr"));
            assertEquals(n.toString(), "5", n.get("lldp.veth0.port.ttl"));

            // in-place update: a transient stop, so no shutdown LLDPDU; the new version keeps sending
            Bundle b = lldpBundle();
            long id = b.getBundleId();
            b.update();
            assertEquals(Bundle.ACTIVE, b.getState());
            assertEquals(id, lldpBundle().getBundleId());
            Thread.sleep(6000); // longer than the TTL we advertise (5 s): had we stopped sending, lldpd would age us out
            Map<String, String> s = keyValues(lab.exec(ns, statistics).check().stdout());
            assertEquals(s.toString(), "1", s.get("lldp.veth0.insert_cnt.insert_cnt"));
            assertEquals(s.toString(), "0", s.get("lldp.veth0.delete_cnt.delete_cnt"));
            assertEquals(s.toString(), "0", s.get("lldp.veth0.ageout_cnt.ageout_cnt"));
            assertEquals("xkswitch", keyValues(lab.exec(ns, neighbors).check().stdout()).get("lldp.veth0.chassis.name"));

            // stop: the shutdown LLDPDU removes us from lldpd at once (a delete, not an ageout)
            b.stop();
            await("lldpd to forget us", 3_000,
                    () -> !keyValues(lab.exec(ns, neighbors).stdout()).containsKey("lldp.veth0.chassis.name"));
            s = keyValues(lab.exec(ns, statistics).check().stdout());
            assertEquals(s.toString(), "1", s.get("lldp.veth0.delete_cnt.delete_cnt"));
            assertEquals(s.toString(), "0", s.get("lldp.veth0.ageout_cnt.ageout_cnt"));
            b.start();
        } finally {
            lldpd.destroy();
            lldpd.waitFor();
            Files.deleteIfExists(socket);
            c.delete();
        }
        assertFalse(lldpd.isAlive());
    }
}
