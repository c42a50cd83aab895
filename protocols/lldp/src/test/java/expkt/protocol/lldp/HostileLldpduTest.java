package expkt.protocol.lldp;

import expkt.lab.Lab;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;

import static expkt.protocol.lldp.LldpdInteropTest.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Crafted LLDPDUs from a host namespace of a lab, through the provider's real sockets to the agent,
 * and what {@code lldp:neighbors} and {@code lldp:stats} then print: a peer's control characters, ESC
 * sequences and invalid UTF-8 arrive escaped (no forged row, nothing a terminal obeys), and the
 * LLDPDUs IEEE 802.1AB discards are counted under their reasons.
 */
class HostileLldpduTest {
    static Lab lab;

    @BeforeAll
    static void buildLab() {
        Lab.cleanStale();
        lab = Lab.builder().ports(1).build();
    }

    @AfterAll
    static void removeLab() {
        if (lab != null) {
            lab.close();
        }
    }

    /** Sends {@code frame} out of host 1's veth0 (a raw AF_PACKET socket there: the bytes go as they are). */
    static void inject(byte[] frame) {
        lab.exec(lab.host(1).ns(), "python3", "-c",
                "import socket,sys; s=socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind(('veth0', 0)); "
                        + "s.send(bytes.fromhex(sys.argv[1]))", HexFormat.of().formatHex(frame)).check();
    }

    @Test
    void wireStringsAreEscapedInTheCommandsAndBadLldpdusCounted() throws Exception {
        LldpSettings settings = new LldpSettings(30, 4, 0, "xkswitch", "expkt hostile test", null, null, 64);
        try (LldpdInteropTest.RunningAgentHolder holder = LldpdInteropTest.RunningAgentHolder.start(lab, settings)) {
            LldpAgentCore core = holder.agent().core;
            byte[] name = "evil\n1:9    fake-chassis          forged-row\r\u001b[31mred\u001b]0;owned\u0007\u009b2J"
                    .getBytes(StandardCharsets.UTF_8);
            byte[] withInvalid = java.util.Arrays.copyOf(name, name.length + 3);
            withInvalid[name.length] = (byte) 0xFF;
            withInvalid[name.length + 1] = (byte) 0xC0;
            withInvalid[name.length + 2] = (byte) 0xAF;
            inject(CraftedLldpdu.valid().systemName(withInvalid).tlv(4, "port\u001b[2Jdescr".getBytes(StandardCharsets.UTF_8))
                    .tlv(6, "descr\u2028line\u202e".getBytes(StandardCharsets.UTF_8)).end().frame());
            await("the crafted neighbour in the table", 5_000, () -> core.table().size() == 1);

            String neighbors = core.formatNeighbors(System.currentTimeMillis()); // what lldp:neighbors prints
            System.out.println(neighbors);
            List<String> lines = neighbors.lines().toList();
            assertEquals(3, lines.size(), "header, one row, count; no forged row:\n" + neighbors);
            assertFalse(lines.stream().anyMatch(l -> l.startsWith("1:9")), neighbors);
            for (char c : neighbors.toCharArray()) {
                assertFalse(c != '\n' && (c < 0x20 || c >= 0x7F && c <= 0x9F || c == 0x2028 || c == 0x202E),
                        String.format("U+%04X reached the output:%n%s", (int) c, neighbors));
            }
            String row = lines.get(1);
            assertTrue(row.contains("evil\\x0a1:9    fake-chassis          forged-row\\x0d\\x1b[31mred\\x1b]0;owned\\x07\\u009b2J"
                    + "\\xff\\xc0\\xaf"), row);
            assertTrue(row.contains("port-descr=port\\x1b[2Jdescr"), row);
            assertTrue(row.contains("descr=descr\\u2028line\\u202e"), row);

            // LLDPDUs 802.1AB discards: counted per reason, the table unchanged
            inject(new CraftedLldpdu().chassisMac(new byte[] {0x52, 0x54, 0x00}).portName("eth0").ttl(120).end().frame());
            inject(new CraftedLldpdu().tlv(1, 0, new byte[] {'x'}).portName("eth0").ttl(120).end().frame());
            inject(new CraftedLldpdu().chassisMac(new byte[] {2, 0, 0, 0, 0, 7}).portName("eth0").tlv(3, new byte[3]).end().frame());
            inject(CraftedLldpdu.valid().tlv(0, (byte) 9).frame());
            inject(CraftedLldpdu.valid().ttl(0).end().frame());
            await("five LLDPDUs discarded", 5_000, () -> core.stats().framesDiscarded() == 5);
            String stats = core.formatStats(); // what lldp:stats prints
            System.out.println(stats);
            assertTrue(stats.contains("discarded by reason: LLDP End TLV length=1; LLDP TTL TLV length=1; LLDP chassis ID length=1; "
                    + "LLDP chassis ID subtype=1; LLDP duplicate TTL TLV=1"), stats);
            assertEquals(1, core.table().size(), "a discarded LLDPDU changed the table");
            assertEquals(0, core.stats().shutdownsIn(), "the TTL 0 of the duplicate TTL TLV was not taken as a shutdown");
        }
    }
}
