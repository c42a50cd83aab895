package expkt.protocol.wol;

import expkt.api.net.MacAddress;
import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.Filter;
import expkt.api.packet.FrameView;
import expkt.api.packet.PacketSocket;
import expkt.api.packet.PacketService;
import expkt.lab.Lab;
import expkt.lab.Topologies;
import expkt.lab.VlanTrunk;
import expkt.testkit.lab.SwitchUnderTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Debian's etherwake sends a magic packet from host 1 (port 1:1, untagged in VLAN "hosts"); the relay,
 * on the provider's sockets (the test kit's switch under test on the lab's {@link VlanTrunk}), sends
 * it into VLAN "blue" (tagged 100 on the trunk 1:2) and "green" (untagged on 1:3); tshark on hosts 2
 * and 3 decodes what arrives. Then the same with a UDP magic packet to port 9.
 */
class EtherwakeRelayTest {
    static final String BUNDLE = "expkt.protocol.wol";
    static VlanTrunk trunk;
    static Lab lab;
    static Path dir;

    @BeforeAll
    static void buildLab() throws Exception {
        Lab.cleanStale();
        trunk = Topologies.vlanTrunk();
        lab = trunk.lab();
        dir = Files.createTempDirectory("xkwol");
    }

    @AfterAll
    static void removeLab() {
        if (trunk != null) {
            trunk.close();
        }
    }

    /** tshark on host {@code i}: one Wake-on-LAN frame, printed as vlan.id|eth.src|wol.mac. */
    static Path tshark(int host, String tag) throws Exception {
        Path log = dir.resolve(tag + "-h" + host + ".log");
        lab.spawn(lab.host(host).ns(), log, "tshark", "-i", "veth0", "-l", "-n", "-c", "1", "-a", "duration:15",
                "-Y", "wol", "-T", "fields", "-E", "separator=|", "-E", "occurrence=f", "-e", "vlan.id", "-e", "eth.src", "-e", "wol.mac");
        return log;
    }

    static void awaitCapturing(Path... logs) throws Exception {
        long deadline = System.nanoTime() + 15_000_000_000L;
        for (Path log : logs) {
            while (!(Files.exists(log) && Files.readString(log).contains("Capture started"))) {
                if (System.nanoTime() > deadline) {
                    fail("tshark did not start: " + (Files.exists(log) ? Files.readString(log) : "no log"));
                }
                Thread.sleep(50);
            }
        }
        Thread.sleep(300); // dumpcap reports the start a moment before its socket takes every frame
    }

    /** The decoded line tshark printed, once it has one. */
    static String decoded(Path log) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            for (String line : Files.readAllLines(log)) {
                if (line.contains("|")) {
                    return line.strip();
                }
            }
            Thread.sleep(50);
        }
        fail("tshark on " + log + " decoded no Wake-on-LAN frame: " + Files.readString(log));
        return null;
    }

    /** Runs the relay on the provider's socket until {@code frames} magic packets were handled. */
    static Thread relay(PacketSocket rx, WolRelayCore core, PacketService packets, int frames) {
        return Thread.ofPlatform().name("wol-relay-test").start(() -> {
            ExosSockAddr from = new ExosSockAddr();
            long deadline = System.nanoTime() + 20_000_000_000L;
            int handled = 0;
            try {
                while (handled < frames && System.nanoTime() < deadline) {
                    FrameView f = rx.receive(from);
                    if (f != null) {
                        MagicPacketInspector.Kind k = core.onFrame(java.lang.foreign.MemorySegment.ofArray(f.toArray()), 0, f.length(), from.slotPort(), from.vlanId(),
                                packets.vlans(), rx::sendto);
                        if (k == MagicPacketInspector.Kind.ETHERTYPE || k == MagicPacketInspector.Kind.UDP) {
                            handled++;
                        }
                    }
                }
            } catch (Exception e) {
                e.printStackTrace();
            }
        });
    }

    @Test
    void etherwakeIsRelayedTaggedAndUntagged() throws Exception {
        try (SwitchUnderTest sw = SwitchUnderTest.on(trunk)) {
            PacketService packets = sw.packets(BUNDLE);
            PacketSocket rx = packets.open();
            rx.setupFilter(Filter.named("wol").ethertype(0x0842).build());
            rx.setTimeout(Duration.ofMillis(100));
            WolRelayCore core = new WolRelayCore(new WolSettings(List.of("hosts", "blue", "green"), 0));
            Path h2 = tshark(2, "ether");
            Path h3 = tshark(3, "ether");
            awaitCapturing(h2, h3);
            Thread relay = relay(rx, core, packets, 1);
            lab.exec(lab.host(1).ns(), "etherwake", "-i", "veth0", "-b", "00:11:22:33:44:55").check();
            relay.join(20_000);
            assertEquals(1, core.relayed("blue"), core.formatStats());
            String sender = lab.host(1).mac();
            assertEquals("100|" + sender + "|00:11:22:33:44:55", decoded(h2), "tagged 100 on blue's tagged member");
            assertEquals("|" + sender + "|00:11:22:33:44:55", decoded(h3), "untagged on green's untagged member");
            assertEquals(1, core.magicEthertype());
            assertEquals(0, core.relayed("hosts"), "not sent back into the VLAN it came from");
            assertEquals(1, core.relayed("blue"));
            assertEquals(1, core.relayed("green"));
            assertEquals(MacAddress.parse("00:11:22:33:44:55"), core.history().getFirst().target());
            rx.close();
        }
    }

    @Test
    void udpMagicPacketsAreRelayedWhenAPortIsConfigured() throws Exception {
        try (SwitchUnderTest sw = SwitchUnderTest.on(trunk)) {
            PacketService packets = sw.packets(BUNDLE);
            PacketSocket rx = packets.open();
            rx.setupFilter(Filter.named("wol-udp").dstmac("FF:FF:FF:FF:FF:FF").ethertype(0x0800).build());
            rx.setTimeout(Duration.ofMillis(100));
            WolRelayCore core = new WolRelayCore(new WolSettings(List.of("blue", "green"), 9));
            Path h2 = tshark(2, "udp");
            Path h3 = tshark(3, "udp");
            awaitCapturing(h2, h3);
            Thread relay = relay(rx, core, packets, 1);
            String h1 = lab.host(1).ns();
            lab.addr(h1, "veth0", "10.9.0.1/24");
            String send = """
                    import socket
                    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"veth0")
                    mac = bytes.fromhex("0a1b2c3d4e5f")
                    s.sendto(b"\\xff" * 6 + mac * 16, ("255.255.255.255", 9))
                    """;
            lab.exec(h1, "python3", "-c", send).check();
            relay.join(20_000);
            String sender = lab.host(1).mac();
            assertEquals("100|" + sender + "|0a:1b:2c:3d:4e:5f", decoded(h2));
            assertEquals("|" + sender + "|0a:1b:2c:3d:4e:5f", decoded(h3));
            assertEquals(1, core.magicUdp());
            rx.close();
        }
    }
}
