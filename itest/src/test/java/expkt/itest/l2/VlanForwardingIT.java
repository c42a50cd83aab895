package expkt.itest.l2;

import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.Filter;
import expkt.api.packet.PacketService;
import expkt.api.packet.PacketSocket;
import expkt.api.runtime.ExpktRuntime;
import expkt.api.runtime.FdbDTO;
import expkt.api.runtime.FdbEntryDTO;
import expkt.itest.ExpktOptions;
import expkt.itest.ExpktTestSupport;
import expkt.lab.Host;
import expkt.lab.Lab;
import org.junit.Test;
import org.ops4j.pax.exam.Option;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Hashtable;
import java.util.List;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

/**
 * {@code sendto(pkt, vlan_name="foo")} forwards (issue 16 item 5) through the whole stack: a protocol's
 * {@code PacketService} socket, the VLAN configured through ConfigAdmin, the FDB read from
 * {@code ExpktRuntime.fdb()}, and tcpdump on every far host of an unbridged 3-port lab as the witness.
 * A unicast to an unknown MAC floods (each witness sees it); once h2 sent a frame the host's socket
 * received, a send to h2 reaches h2 alone; a broadcast and an unknown unicast sent after it reach every
 * host (so the hosts that did not see the forwarded frame were not sent it).
 */
public class VlanForwardingIT extends ExpktTestSupport {
    private static final String FLOOD_FIRST = "02:00:00:00:f1:01";
    private static final String TO_H2 = "02:00:00:00:f1:02";
    private static final String BROADCAST = "02:00:00:00:f1:03";
    private static final String UNKNOWN = "02:00:00:00:f1:04";

    @Override
    protected Lab.Builder labSpec() {
        return Lab.builder().ports(3); // no bridge: the provider's own learning
    }

    @Override
    protected Option[] options() {
        return new Option[] {ExpktOptions.projectBundles("expkt.provider", "expkt.vr")};
    }

    private <T> T service(Class<T> type) throws Exception {
        long deadline = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < deadline) {
            ServiceReference<T> ref = context.getServiceReference(type);
            if (ref != null && context.getService(ref) != null) {
                return context.getService(ref);
            }
            Thread.sleep(50);
        }
        throw new AssertionError(type.getName() + " never came");
    }

    private static byte[] frame(String dst, String src, int ethertype, int length) {
        byte[] f = new byte[length];
        HexFormat hex = HexFormat.of();
        System.arraycopy(hex.parseHex(dst.replace(":", "")), 0, f, 0, 6);
        System.arraycopy(hex.parseHex(src.replace(":", "")), 0, f, 6, 6);
        f[12] = (byte) (ethertype >> 8);
        f[13] = (byte) ethertype;
        return f;
    }

    /** tcpdump's decoded lines of what host {@code i} captured so far. */
    private List<String> captured(Path pcap) {
        if (!Files.exists(pcap)) {
            return List.of();
        }
        return lab().exec(null, "tcpdump", "-nn", "-e", "-r", pcap.toString()).stdout().lines().toList();
    }

    private static long count(List<String> lines, String src) {
        return lines.stream().filter(l -> l.contains(" " + src + " > ")).count();
    }

    @Test
    public void aVlanSendToALearnedMacReachesThatOneHostAndFloodsOtherwise() throws Exception {
        ConfigurationAdmin cm = service(ConfigurationAdmin.class);
        PacketService packets = service(PacketService.class);
        ExpktRuntime runtime = service(ExpktRuntime.class);
        Configuration c = cm.getConfiguration("expkt.dataplane", "?");
        Hashtable<String, Object> props = new Hashtable<>();
        props.put("vlans", new String[] {"name=foo tag=100 untagged=1:1,1:2,1:3"});
        c.update(props);
        await("VLAN foo", 10_000, () -> packets.vlans().stream().anyMatch(v -> v.name().equals("foo")));

        Path dir = Files.createDirectories(Path.of("target/itest-logs/VlanForwardingIT"));
        Path[] pcap = new Path[4];
        for (int i = 1; i <= 3; i++) {
            pcap[i] = dir.resolve("h" + i + ".pcap").toAbsolutePath();
            Files.deleteIfExists(pcap[i]);
            Path log = dir.resolve("h" + i + ".log");
            Files.deleteIfExists(log);
            lab().spawn(lab().host(i).ns(), log, "tcpdump", "-i", "veth0", "-n", "-U", "-Z", "root", "-w", pcap[i].toString());
            await("tcpdump on h" + i, 10_000, () -> {
                try {
                    return Files.exists(log) && Files.readString(log).contains("listening on");
                } catch (java.io.IOException e) {
                    return false;
                }
            });
        }
        Host h2 = lab().host(2);
        try (PacketSocket sock = packets.open()) {
            // nothing known: the unicast to h2 floods, every witness sees it
            sock.sendto(frame(h2.mac(), FLOOD_FIRST, 0x88B5, 100), "foo");
            for (int i = 1; i <= 3; i++) {
                Path p = pcap[i];
                await("the first flood on h" + i, 10_000, () -> count(captured(p), FLOOD_FIRST) == 1);
            }

            // h2 sends a frame the socket's filter brings up: the provider learns h2's MAC on 1:2
            sock.setupFilter(Filter.named("itest-fdb-bait").ethertype(0x88B6).build());
            byte[] bait = frame("ff:ff:ff:ff:ff:ff", h2.mac(), 0x88B6, 60);
            lab().exec(h2.ns(), "python3", "-c",
                    "import socket,sys; s=socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind(('veth0', 0)); "
                            + "s.send(bytes.fromhex(sys.argv[1]))", HexFormat.of().formatHex(bait)).check();
            sock.setTimeout(Duration.ofSeconds(10));
            ExosSockAddr from = new ExosSockAddr();
            assertTrue("h2's frame came up", sock.recvfrom(new byte[2048], from) > 0);
            assertEquals(2, from.port());
            FdbDTO fdb = runtime.fdb();
            FdbEntryDTO e = fdb.entries.stream().filter(x -> x.mac.equals(h2.mac())).findFirst()
                    .orElseThrow(() -> new AssertionError("h2 not in the FDB: " + fdb));
            assertEquals("1:2", e.port);
            assertEquals("learned", e.source);
            assertEquals(List.of("foo"), e.vlans);
            assertEquals(-1, e.tag);

            sock.sendto(frame(h2.mac(), TO_H2, 0x88B5, 120), "foo");
            sock.sendto(frame("ff:ff:ff:ff:ff:ff", BROADCAST, 0x88B5, 140), "foo");
            sock.sendto(frame("02:00:00:00:99:99", UNKNOWN, 0x88B5, 160), "foo");
            for (int i = 1; i <= 3; i++) {
                Path p = pcap[i];
                await("the broadcast and the unknown unicast on h" + i, 10_000,
                        () -> count(captured(p), BROADCAST) == 1 && count(captured(p), UNKNOWN) == 1);
            }
            await("the forwarded frame on h2", 10_000, () -> count(captured(pcap[2]), TO_H2) == 1);
            assertEquals(captured(pcap[1]).toString(), 0, count(captured(pcap[1]), TO_H2));
            assertEquals(captured(pcap[3]).toString(), 0, count(captured(pcap[3]), TO_H2));
            FdbDTO after = runtime.fdb();
            assertEquals(1, after.forwardedSends);
            assertEquals(3, after.floodedSends);
        }
    }
}
