package expkt.itest.protocols;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;

import javax.inject.Inject;

import org.junit.Test;
import org.ops4j.pax.exam.Option;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import expkt.api.vr.VirtualRouters;
import expkt.itest.ExpktOptions;
import expkt.itest.ExpktTestSupport;
import expkt.lab.Lab;
import expkt.lab.Topologies;
import expkt.lab.TwoVrs;

/**
 * ping:ping in a running host: two user VRs (ConfigAdmin factory configurations of expkt.vr) with the
 * same 10.0.0.0/24 (the lab topology {@link Topologies#twoVrs(Lab, String, String)}), a host namespace behind each (10.0.0.2 behind VR-A, 10.0.0.3 behind VR-B); the
 * ping bundle's command gets replies from the host's kernel in its VR and none from the other VR's.
 */
public class PingIT extends ExpktTestSupport {
    @Inject
    private ConfigurationAdmin cm;

    @Inject
    private VirtualRouters vrs;

    @Override
    protected Lab.Builder labSpec() {
        return Lab.builder().ports(0);
    }

    @Override
    protected Option[] options() {
        return new Option[] {ExpktOptions.projectBundles("expkt.vr", "expkt.protocol.ping")};
    }

    private void userVr(String name, int id, String ns) throws Exception {
        Configuration c = cm.createFactoryConfiguration("expkt.vr.router", "?");
        Dictionary<String, Object> p = new Hashtable<>();
        p.put("name", name);
        p.put("id", id);
        p.put("location", ns);
        c.update(p);
    }

    @SuppressWarnings("unchecked")
    private List<String> ping(String... args) throws Exception {
        await("the ping:ping command registered", 10_000, () -> context.getServiceReference("expkt.protocol.ping.PingCommand") != null);
        ServiceReference<?> ref = context.getServiceReference("expkt.protocol.ping.PingCommand");
        assertTrue("the ping:ping command is still registered", ref != null);
        assertEquals("ping", ref.getProperty("osgi.command.scope"));
        Object command = context.getService(ref);
        try {
            List<String> lines = (List<String>) command.getClass().getMethod("run", String[].class).invoke(command, (Object) args);
            System.out.println(String.join("\n", lines));
            return lines;
        } finally {
            context.ungetService(ref);
        }
    }

    @Test
    public void pingRepliesComeOnlyFromTheVrsOwnHosts() throws Exception {
        TwoVrs topology = Topologies.twoVrs(lab(), "10.0.0.2", "10.0.0.3");
        String vra = topology.vra();
        String vrb = topology.vrb();
        userVr("VR-A", 10, vra);
        userVr("VR-B", 11, vrb);
        await("VR-A and VR-B registered", 10_000, () -> vrs.list().stream().filter(v -> v.id() >= 10).count() >= 2);
        assertEquals(vra, vrs.byName("VR-A").location());

        List<String> a = ping("-v", "VR-A", "10.0.0.2", "3", "56", "0.2");
        assertEquals("PING 10.0.0.2 (10.0.0.2) 56(84) bytes of data.", a.get(0));
        for (int seq = 1; seq <= 3; seq++) {
            assertTrue(a.get(seq), a.get(seq).startsWith("64 bytes from 10.0.0.2: icmp_seq=" + seq + " ttl=64 time="));
        }
        assertEquals("--- 10.0.0.2 ping statistics ---", a.get(5));
        assertTrue(a.get(6), a.get(6).startsWith("3 packets transmitted, 3 received, 0% packet loss, time "));
        assertTrue(a.get(7), a.get(7).matches("rtt min/avg/max/mdev = \\d+\\.\\d{3}/\\d+\\.\\d{3}/\\d+\\.\\d{3}/\\d+\\.\\d{3} ms"));

        // 10.0.0.3 exists only behind VR-B
        List<String> none = ping("-v", "VR-A", "10.0.0.3", "2", "56", "0.2");
        assertTrue(none.toString(), none.get(3).startsWith("2 packets transmitted, 0 received, 100% packet loss, time "));
        assertEquals(4, none.size());
        List<String> b = ping("-v", "VR-B", "10.0.0.3", "2", "56", "0.2");
        assertTrue(b.toString(), b.get(5).startsWith("2 packets transmitted, 2 received, 0% packet loss"));
    }
}
