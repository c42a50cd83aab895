package expkt.itest.l2;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.lang.reflect.Method;
import java.util.Hashtable;
import java.util.List;
import java.util.function.Predicate;

import org.junit.Test;
import org.ops4j.pax.exam.Option;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import expkt.api.net.SlotPort;
import expkt.api.packet.PacketService;
import expkt.api.packet.PacketSocket;
import expkt.itest.ExpktOptions;
import expkt.itest.ExpktTestSupport;

/**
 * The data plane model through ConfigAdmin (PID expkt.dataplane): a stack numbering and a VLAN apply
 * live; a bad configuration (a bad entry, an unknown key, a ring out of bounds, a VLAN tag with a
 * leading zero) is refused as a whole, named in expkt:ports, while the previous one stays; deleting
 * the configuration goes back to the default numbering and ring.
 */
public class PacketProviderConfigIT extends ExpktTestSupport {

    @Override
    protected Option[] options() {
        return new Option[] {ExpktOptions.projectBundles("expkt.provider")};
    }

    private <T> T service(Class<T> type) throws Exception {
        return awaitService(type);
    }

    private String command(String function) throws Exception {
        ServiceReference<?>[] refs = context.getServiceReferences((String) null,
                "(&(osgi.command.scope=expkt)(osgi.command.function=" + function + "))");
        if (refs == null) {
            return "";
        }
        Object svc = context.getService(refs[0]);
        Method m = svc.getClass().getMethod(function);
        return String.valueOf(m.invoke(svc));
    }

    private String awaitCommand(String function, Predicate<String> until) throws Exception {
        String[] out = {""};
        expkt.lab.Deadlines.await(10_000, "expkt:" + function + " to show what was expected", () -> {
            try {
                out[0] = command(function);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return until.test(out[0]);
        }, () -> out[0]);
        return out[0];
    }

    @Test
    public void configurationAppliesLiveAndABadOneChangesNothing() throws Exception {
        ConfigurationAdmin cm = service(ConfigurationAdmin.class);
        PacketService packets = service(PacketService.class);
        awaitCommand("ports", o -> o.matches("(?s).*1:1\\s+p1.*1:2\\s+p2.*default numbering.*"));

        Configuration c = cm.getConfiguration("expkt.dataplane", "?");
        Hashtable<String, Object> props = new Hashtable<>();
        props.put("ports", new String[] {"2:1=p1", "2:52=p2"});
        props.put("vlans", new String[] {"name=foo tag=100 tagged=2:1 untagged=2:52"});
        c.update(props);
        String ports = awaitCommand("ports", o -> o.contains("2:52"));
        assertTrue(ports, ports.matches("(?s).*2:1\\s+p1.*foo\\(100,tagged\\).*2:52\\s+p2.*foo\\(100,untagged\\).*configuration.*"));
        assertTrue(command("vlans"), command("vlans").matches("(?s).*foo\\s+100\\s+2:1\\s+2:52.*"));
        assertEquals(List.of(SlotPort.of(2, 1), SlotPort.of(2, 52)), packets.ports().stream().map(p -> p.slotPort()).toList());
        try (PacketSocket s = packets.open()) {
            byte[] frame = new byte[64];
            frame[12] = 0x08;
            frame[13] = 0x42;
            s.sendto(frame, "foo");
            s.sendto(frame, SlotPort.of(2, 52));
            try {
                s.sendto(frame, SlotPort.of(1, 1));
                fail("1:1 is no port any more");
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("1:1") && e.getMessage().contains("2:1, 2:52"));
            }
        }

        // a bad configuration: rejected naming the entry, the previous one stays in force
        props.put("ports", new String[] {"2:1=p1", "2:2=p9"});
        c.update(props);
        String rejected = awaitCommand("ports", o -> o.contains("REJECTED"));
        assertTrue(rejected, rejected.contains("\"2:2=p9\"") && rejected.contains("no interface \"p9\""));
        assertTrue(rejected, rejected.contains("2:52"));
        assertEquals(2, packets.ports().size());

        // a configuration is refused as a whole: a misspelled key used to apply it as if empty (VLAN foo
        // removed), a ring of 16 MiB blocks was accepted (4 GiB of locked memory per socket)
        props.put("ports", new String[] {"2:1=p1", "2:52=p2"});
        props.put("ring.block.size", "65536"); // as a .cfg file writes it: a String
        props.put("ring.block.count", "8");
        c.update(props);
        awaitCommand("ports", o -> o.contains("8 blocks of 65536 bytes") && !o.contains("REJECTED"));

        Hashtable<String, Object> misspelled = new Hashtable<>();
        misspelled.put("ports", new String[] {"2:1=p1", "2:52=p2"});
        misspelled.put("vlan", new String[] {"name=foo tag=100 tagged=2:1 untagged=2:52"});
        c.update(misspelled);
        rejected = awaitCommand("ports", o -> o.contains("REJECTED") && o.contains("\"vlan\""));
        assertTrue(rejected, rejected.contains("unknown key") && rejected.contains("8 blocks of 65536 bytes"));
        assertTrue(command("vlans"), command("vlans").matches("(?s).*foo\\s+100\\s+2:1\\s+2:52.*"));
        assertEquals(List.of("foo"), packets.vlans().stream().map(v -> v.name()).toList());

        Hashtable<String, Object> huge = new Hashtable<>(props);
        huge.put("ring.block.size", "16777216");
        huge.put("ring.blok.count", "8");
        c.update(huge);
        rejected = awaitCommand("ports", o -> o.contains("REJECTED") && o.contains("16777216"));
        assertTrue(rejected, rejected.contains("\"ring.blok.count\"") && rejected.contains("8 blocks of 65536 bytes"));
        assertEquals(List.of("foo"), packets.vlans().stream().map(v -> v.name()).toList());

        // VLAN tag=010 is refused, not read as octal 8
        Hashtable<String, Object> octal = new Hashtable<>(props);
        octal.put("vlans", new String[] {"name=foo tag=010 tagged=2:1"});
        c.update(octal);
        rejected = awaitCommand("ports", o -> o.contains("REJECTED") && o.contains("\"010\""));
        assertTrue(command("vlans"), command("vlans").matches("(?s).*foo\\s+100\\s+2:1\\s+2:52.*"));

        // no configuration: the default numbering again
        c.delete();
        awaitCommand("ports", o -> o.matches("(?s).*1:1\\s+p1.*1:2\\s+p2.*default numbering.*") && !o.contains("REJECTED")
                && o.contains("256 blocks of 16384 bytes"));
        assertEquals(List.of(), packets.vlans());
    }
}
