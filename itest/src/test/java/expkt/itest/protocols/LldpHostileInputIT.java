package expkt.itest.protocols;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Dictionary;
import java.util.HexFormat;
import java.util.Hashtable;
import java.util.List;

import javax.inject.Inject;

import org.junit.Test;
import org.ops4j.pax.exam.Option;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import expkt.itest.ExpktOptions;
import expkt.itest.ExpktTestSupport;
import expkt.lab.Lab;

/**
 * The LLDP bundle in a running host against a hostile peer: a configuration key DS would ignore
 * ({@code tx_interval}) is listed by {@code lldp:stats}; an LLDPDU whose system name carries a line
 * break, ESC sequences and invalid UTF-8, sent from a host namespace of the lab, shows escaped in
 * {@code lldp:neighbors} (one row, no forged one, nothing a terminal obeys); LLDPDUs IEEE 802.1AB
 * discards are counted per reason in {@code lldp:stats}.
 */
public class LldpHostileInputIT extends ExpktTestSupport {
    @Inject
    private ConfigurationAdmin cm;

    @Override
    protected Lab.Builder labSpec() {
        return Lab.builder().ports(1);
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

    /** An LLDPDU from 52:54:00:12:34:56: the given TLVs (type, value) after nothing else. */
    private static byte[] lldpdu(Object... tlvs) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(HexFormat.of().parseHex("0180c200000e52540012345688cc"));
        for (int i = 0; i < tlvs.length; i += 2) {
            int type = (Integer) tlvs[i];
            byte[] v = (byte[]) tlvs[i + 1];
            out.write(type << 1 | v.length >> 8);
            out.write(v.length & 0xFF);
            out.writeBytes(v);
        }
        byte[] f = out.toByteArray();
        return f.length >= 60 ? f : java.util.Arrays.copyOf(f, 60);
    }

    private static final byte[] CHASSIS = HexFormat.of().parseHex("04525400123456");
    private static final byte[] PORT = "\u0005eth0".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TTL = {0, 120};

    private void inject(Lab lab, byte[] frame) {
        lab.exec(lab.host(1).ns(), "python3", "-c",
                "import socket,sys; s=socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind(('veth0', 0)); "
                        + "s.send(bytes.fromhex(sys.argv[1]))", HexFormat.of().formatHex(frame)).check();
    }

    @Test
    public void wireStringsAreEscapedUnknownKeysListedBadLldpdusCounted() throws Exception {
        Lab lab = lab();
        Configuration c = cm.getConfiguration("expkt.protocol.lldp", "?");
        Dictionary<String, Object> p = new Hashtable<>();
        p.put("tx_interval", "1"); // the spelling the README used to show: DS ignores it
        p.put("system.name", "xkswitch");
        c.update(p);
        try {
            await("lldp:stats to list the unknown key", 10_000,
                    () -> command("stats").contains("configuration keys not known, ignored: tx_interval (did you mean tx.interval?)"));
            assertTrue(command("stats"), command("stats").startsWith("tx interval 30 s"));

            byte[] name = "evil\n1:9    fake-chassis          forged-row\r\u001b[31mred\u001b]0;owned\u0007"
                    .getBytes(StandardCharsets.UTF_8);
            byte[] withInvalid = java.util.Arrays.copyOf(name, name.length + 2);
            withInvalid[name.length] = (byte) 0xFF;
            withInvalid[name.length + 1] = (byte) 0xFE;
            inject(lab, lldpdu(1, CHASSIS, 2, PORT, 3, TTL, 5, withInvalid, 0, new byte[0]));
            await("the crafted neighbour in lldp:neighbors", 10_000, () -> command("neighbors").contains("1 neighbour"));
            String neighbors = command("neighbors");
            System.out.println(neighbors);
            List<String> lines = neighbors.lines().toList();
            assertEquals(neighbors, 3, lines.size());
            assertFalse(neighbors, lines.stream().anyMatch(l -> l.startsWith("1:9")));
            assertTrue(neighbors, lines.get(1).contains(
                    "evil\\x0a1:9    fake-chassis          forged-row\\x0d\\x1b[31mred\\x1b]0;owned\\x07\\xff\\xfe"));
            for (char ch : neighbors.toCharArray()) {
                assertFalse(String.format("U+%04X in%n%s", (int) ch, neighbors), ch != '\n' && (ch < 0x20 || ch == 0x7F));
            }

            inject(lab, lldpdu(1, HexFormat.of().parseHex("04525400"), 2, PORT, 3, TTL, 0, new byte[0]));
            inject(lab, lldpdu(1, CHASSIS, 2, PORT, 3, new byte[] {0, 120, 0}, 0, new byte[0]));
            inject(lab, lldpdu(1, CHASSIS, 2, PORT, 3, TTL, 3, new byte[] {0, 0}, 0, new byte[0]));
            await("three LLDPDUs discarded", 10_000, () -> command("stats").contains("discarded 3"));
            String stats = command("stats");
            System.out.println(stats);
            assertTrue(stats, stats.contains("discarded by reason: LLDP TTL TLV length=1; LLDP chassis ID length=1; "
                    + "LLDP duplicate TTL TLV=1"));
            assertTrue(command("neighbors"), command("neighbors").contains("1 neighbour"));
        } finally {
            c.delete();
        }
    }
}
