package expkt.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import expkt.api.net.Ipv4Address;
import expkt.api.net.MacAddress;
import expkt.codec.ethernet.Arp;
import expkt.codec.ip.Icmp;
import expkt.codec.lldp.Lldp;
import expkt.codec.pcap.CaptureReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real traffic from real tools, captured by tcpdump, parses to the values those tools report:
 * lldpd (its LLDPDU against what lldpcli says it sends), ping (echo requests and replies against
 * ping's own output), etherwake (the magic packet for the MAC and password given), and the
 * kernel's own ARP and ICMPv6. Two network namespaces of this test's own, joined by a veth pair,
 * removed afterwards (also by a shutdown hook, and stale ones of a dead run at start).
 */
class RealTrafficTest {
    private static final String PREFIX = "xkcodec-";
    private final String tag = PREFIX + ProcessHandle.current().pid() + "-";
    private final String nsA = tag + "a";
    private final String nsB = tag + "b";
    private final List<Process> processes = new ArrayList<>();
    private Thread hook;

    @TempDir
    Path dir;

    @BeforeEach
    void createNamespaces() throws Exception {
        removeStaleNamespaces();
        hook = new Thread(this::cleanUp);
        Runtime.getRuntime().addShutdownHook(hook);
        ip("netns", "add", nsA);
        ip("netns", "add", nsB);
        ip("link", "add", "ca", "netns", nsA, "type", "veth", "peer", "name", "cb", "netns", nsB);
        ip("-n", nsA, "addr", "add", "198.51.100.1/24", "dev", "ca");
        ip("-n", nsB, "addr", "add", "198.51.100.2/24", "dev", "cb");
        ip("-n", nsA, "link", "set", "lo", "up");
        ip("-n", nsB, "link", "set", "lo", "up");
        ip("-n", nsB, "link", "set", "cb", "up");
    }

    @AfterEach
    void removeNamespaces() {
        cleanUp();
        Runtime.getRuntime().removeShutdownHook(hook);
    }

    private synchronized void cleanUp() {
        for (Process p : processes) {
            p.destroyForcibly();
        }
        for (String ns : List.of(nsA, nsB)) {
            try {
                new ProcessBuilder("ip", "netns", "del", ns).redirectErrorStream(true).start().waitFor(10, TimeUnit.SECONDS);
            } catch (IOException | InterruptedException e) {
                // best effort: nothing else to do while cleaning up
            }
        }
    }

    /** Namespaces of an earlier run whose JVM is gone (its pid is in the name). */
    private static void removeStaleNamespaces() throws Exception {
        String list = ExternalTools.run(List.of("ip", "netns", "list"), Path.of("/"));
        for (String line : list.split("\n")) {
            String name = line.split(" ")[0];
            if (name.startsWith(PREFIX)) {
                String[] parts = name.substring(PREFIX.length()).split("-");
                boolean alive = parts.length > 0 && parts[0].matches("\\d+")
                        && ProcessHandle.of(Long.parseLong(parts[0])).isPresent();
                if (!alive) {
                    ExternalTools.run(List.of("ip", "netns", "del", name), Path.of("/"));
                }
            }
        }
    }

    private void ip(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        ExternalTools.run(cmd, dir);
    }

    private String inA(String... cmd) throws Exception {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", nsA));
        c.addAll(List.of(cmd));
        return ExternalTools.run(c, dir);
    }

    private Process background(String ns, Path log, String... cmd) throws IOException {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        c.addAll(List.of(cmd));
        Process p = new ProcessBuilder(c).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        processes.add(p);
        return p;
    }

    private static void waitFor(String what, long millis, java.util.concurrent.Callable<Boolean> ready) throws Exception {
        long end = System.currentTimeMillis() + millis;
        while (!ready.call()) {
            if (System.currentTimeMillis() > end) {
                throw new AssertionError(what + " not ready within " + millis + " ms");
            }
            Thread.sleep(50);
        }
    }

    /**
     * Waits until the capture file holds a frame that {@code match} accepts (tcpdump -U writes each frame
     * as it takes it; a frame still half written ends the look for this round).
     */
    private static void waitForCaptured(String what, Path pcap, java.util.function.Predicate<PacketDecoder> match) throws Exception {
        PacketDecoder d = new PacketDecoder();
        waitFor(what + " in the capture", 10_000, () -> {
            try (CaptureReader r = CaptureReader.open(pcap)) {
                while (r.next()) {
                    try {
                        d.decode(r.segment(), r.frameOffset(), r.capturedLength(), r.originalLength()); // a cut frame as far as it goes
                    } catch (MalformedPacketException bad) {
                        continue; // not the one waited for (the test's own decode reports it)
                    }
                    if (match.test(d)) {
                        return true;
                    }
                }
            } catch (IOException halfWritten) {
                // read again next round
            }
            return false;
        });
    }

    private static Map<String, String> keyValues(String text) {
        Map<String, String> m = new HashMap<>();
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                m.putIfAbsent(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
            }
        }
        return m;
    }

    @Test
    void lldpdPingAndEtherwakeTrafficParsesToWhatTheToolsReport() throws Exception {
        Path pcap = dir.resolve("capture.pcap");
        Path tcpdumpLog = dir.resolve("tcpdump.log");
        Process tcpdump = background(nsB, tcpdumpLog, "tcpdump", "-n", "-U", "--immediate-mode", "-i", "cb", "-w", pcap.toString());
        waitFor("tcpdump", 10_000, () -> Files.readString(tcpdumpLog).contains("listening on"));
        ip("-n", nsA, "link", "set", "ca", "up");

        String description = "expkt lab system " + ProcessHandle.current().pid();
        // lldpd's unprivileged half (user _lldpd) must reach its control socket: open the temp dir for traversal
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path ctl = dir.resolve("lldpd.ctl");
        Path lldpdLog = dir.resolve("lldpd.log");
        Process lldpd = background(nsA, lldpdLog, "lldpd", "-d", "-I", "ca", "-u", ctl.toString(), "-S", description,
                "-m", "198.51.100.1");
        try {
            waitFor("lldpd", 10_000, () -> {
                try {
                    return inA("lldpcli", "-u", ctl.toString(), "show", "interfaces", "-f", "keyvalue").contains("ttl");
                } catch (IOException e) {
                    return false;
                }
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; lldpd said: " + Files.readString(lldpdLog), e);
        }
        Map<String, String> said = keyValues(inA("lldpcli", "-u", ctl.toString(), "show", "interfaces", "-f", "keyvalue"));
        waitFor("lldpd's first LLDPDU", 10_000, () -> {
            String tx = keyValues(inA("lldpcli", "-u", ctl.toString(), "show", "statistics", "-f", "keyvalue")).get("lldp.ca.tx.tx");
            return tx != null && Integer.parseInt(tx) > 0;
        });

        String pingOut = inA("ping", "-n", "-c", "3", "-i", "0.2", "-s", "100", "-t", "33", "198.51.100.2");
        MacAddress wolTarget = MacAddress.parse("02:11:22:33:44:55");
        byte[] wolPassword = {1, 2, 3, 4, 5, 6};
        inA("etherwake", "-i", "ca", "-p", "01:02:03:04:05:06", wolTarget.toString());

        // tcpdump (-U) writes each frame as it takes it: stop it only once the last one we sent is in the file
        waitForCaptured("etherwake's magic packet", pcap, d -> d.has(PacketDecoder.WAKE_ON_LAN));
        lldpd.destroy(); // lldpd says goodbye with a TTL 0 LLDPDU
        assertTrue(lldpd.waitFor(10, TimeUnit.SECONDS), "lldpd stops");
        waitForCaptured("lldpd's goodbye (TTL 0)", pcap, d -> d.has(PacketDecoder.LLDP) && d.lldp().ttl() == 0);
        tcpdump.destroy();
        assertTrue(tcpdump.waitFor(10, TimeUnit.SECONDS), "tcpdump stops");

        // what the tools said
        MacAddress lldpChassis = MacAddress.parse(said.get("lldp.ca.chassis.mac"));
        Matcher replies = Pattern.compile("(\\d+) bytes from 198\\.51\\.100\\.2: icmp_seq=(\\d+) ttl=(\\d+)").matcher(pingOut);
        List<int[]> pingReplies = new ArrayList<>();
        while (replies.find()) {
            pingReplies.add(new int[] {Integer.parseInt(replies.group(1)), Integer.parseInt(replies.group(2)),
                Integer.parseInt(replies.group(3))});
        }
        assertEquals(3, pingReplies.size(), pingOut);

        // what our views read from the capture
        PacketDecoder d = new PacketDecoder();
        int frames = 0;
        int lldpSeen = 0;
        int lldpGoodbye = 0;
        int arpSeen = 0;
        int wolSeen = 0;
        int icmpv6Seen = 0;
        List<int[]> requests = new ArrayList<>();
        Map<Integer, int[]> ourReplies = new HashMap<>();
        try (CaptureReader r = CaptureReader.open(pcap)) {
            while (r.next()) {
                frames++;
                d.decode(r.segment(), r.frameOffset(), r.capturedLength());
                String hex = HexFormat.of().formatHex(r.frameBytes());
                assertTrue(d.checksumsValid(), "checksums of captured frame " + frames + ": " + hex);
                if (d.has(PacketDecoder.LLDP)) {
                    Lldp l = d.lldp();
                    assertEquals(lldpChassis.toLong(), l.chassisIdMacBits());
                    assertEquals(MacAddress.parse(said.get("lldp.ca.port.mac")).toLong(), l.portIdMacBits());
                    if (l.ttl() == 0) { // the shutdown LLDPDU: the mandatory TLVs only
                        assertEquals(-1, l.managementAddressTlv());
                        lldpGoodbye++;
                        continue;
                    }
                    assertEquals(Integer.parseInt(said.get("lldp.ca.ttl.ttl")), l.ttl());
                    assertEquals(said.get("lldp.ca.chassis.name"), l.systemName());
                    assertEquals(description, l.systemDescription());
                    assertEquals(said.get("lldp.ca.chassis.descr"), l.systemDescription());
                    assertEquals(said.get("lldp.ca.port.descr"), l.portDescription());
                    int m = l.managementAddressTlv();
                    assertEquals(Ipv4Address.parse(said.get("lldp.ca.chassis.mgmt-ip")).toInt(), l.managementAddressIpv4Bits(m));
                    assertEquals(Long.parseLong(said.get("lldp.ca.chassis.mgmt-iface")), l.managementInterfaceNumber(m));
                    boolean station = "on".equals(said.get("lldp.ca.chassis.Station.enabled"));
                    assertEquals(station, (l.enabledCapabilities() & Lldp.CAPABILITY_STATION) != 0);
                    lldpSeen++;
                }
                if (d.has(PacketDecoder.ARP) && d.arp().operation() == Arp.REQUEST) {
                    assertEquals(lldpChassis.toLong(), d.arp().senderHardwareBits(), "A's MAC asks");
                    assertEquals(Ipv4Address.parse("198.51.100.2").toInt(), d.arp().targetProtocolBits());
                    arpSeen++;
                }
                if (d.has(PacketDecoder.ICMP)) {
                    Icmp icmp = d.icmp();
                    int icmpBytes = d.ipv4().totalLength() - d.ipv4().headerLength();
                    if (icmp.type() == Icmp.ECHO_REQUEST) {
                        requests.add(new int[] {icmpBytes, icmp.sequence(), d.ipv4().ttl(), icmp.identifier()});
                    } else if (icmp.type() == Icmp.ECHO_REPLY) {
                        ourReplies.put(icmp.sequence(), new int[] {icmpBytes, icmp.sequence(), d.ipv4().ttl()});
                    }
                }
                if (d.has(PacketDecoder.WAKE_ON_LAN)) {
                    assertEquals(wolTarget.toLong(), d.wakeOnLan().targetBits());
                    assertArrayEquals(wolPassword, d.wakeOnLan().password());
                    wolSeen++;
                }
                if (d.has(PacketDecoder.ICMPV6)) {
                    icmpv6Seen++;
                }
            }
        }
        System.out.println("real traffic: " + frames + " frames, " + lldpSeen + " LLDP (+" + lldpGoodbye + " goodbye), " + arpSeen
                + " ARP requests, " + requests.size() + " echo requests, " + ourReplies.size() + " replies, " + wolSeen + " WoL, "
                + icmpv6Seen + " ICMPv6 from the kernel");
        assertTrue(lldpSeen >= 1, "an LLDPDU from lldpd");
        assertEquals(1, wolSeen, "one magic packet from etherwake");
        assertTrue(arpSeen >= 1, "the kernel's ARP request before the ping");
        assertEquals(3, requests.size());
        for (int i = 0; i < 3; i++) {
            int[] q = requests.get(i);
            assertEquals(108, q[0], "ping -s 100: 8 bytes of ICMP header and 100 of data");
            assertEquals(i + 1, q[1]);
            assertEquals(33, q[2], "ping -t 33");
            assertEquals(requests.get(0)[3], q[3], "one identifier for the run");
        }
        for (int[] said2 : pingReplies) {
            int[] ours = ourReplies.get(said2[1]);
            assertArrayEquals(said2, ours, "reply icmp_seq=" + said2[1] + ": ping's bytes, seq, ttl vs our views");
        }
        assertFalse(ourReplies.isEmpty());
    }

    /**
     * tcpdump's own snap length (-s 64) cuts real traffic — ping's echo requests of 1,028 bytes
     * and their replies, the first fragment of a 3,000-byte ping, a 1,200-byte UDP datagram, the
     * kernel's ARP and ICMPv6 — and every frame decodes as far as its bytes go: the layers tshark
     * decodes, with the same values, the cut reported.
     */
    @Test
    void framesTcpdumpCutBySnapLengthDecodeAsFarAsTheirBytesGo() throws Exception {
        Path pcap = dir.resolve("cut.pcap");
        Path tcpdumpLog = dir.resolve("tcpdump-cut.log");
        Process tcpdump = background(nsB, tcpdumpLog, "tcpdump", "-n", "-U", "--immediate-mode", "-s", "64", "-i", "cb", "-w",
                pcap.toString());
        waitFor("tcpdump", 10_000, () -> Files.readString(tcpdumpLog).contains("listening on"));
        ip("-n", nsA, "link", "set", "ca", "up");
        String pingOut = inA("ping", "-n", "-c", "3", "-i", "0.2", "-s", "1000", "198.51.100.2");
        inA("ping", "-n", "-c", "1", "-s", "3000", "198.51.100.2");
        inA("bash", "-c", "head -c 1200 /dev/zero > /dev/udp/198.51.100.2/9999");
        waitForCaptured("the UDP datagram to port 9999", pcap, d -> d.has(PacketDecoder.UDP) && d.udp().destinationPort() == 9999);
        tcpdump.destroy();
        assertTrue(tcpdump.waitFor(10, TimeUnit.SECONDS), "tcpdump stops");
        Matcher seqs = Pattern.compile("bytes from 198\\.51\\.100\\.2: icmp_seq=(\\d+)").matcher(pingOut);
        List<Integer> replied = new ArrayList<>();
        while (seqs.find()) {
            replied.add(Integer.parseInt(seqs.group(1)));
        }
        assertEquals(List.of(1, 2, 3), replied, pingOut);

        List<String> fields = List.of("frame.len", "frame.cap_len", "eth.src", "arp.opcode", "ip.len", "ip.src", "ip.flags.mf",
                "icmp.type", "icmp.ident", "icmp.seq", "udp.srcport", "udp.dstport", "udp.length", "ipv6.src",
                "ipv6.plen", "icmpv6.type");
        List<String[]> rows = ExternalTools.tsharkFields(pcap, fields);
        PacketDecoder d = new PacketDecoder();
        int frames = 0;
        int cut = 0;
        int echoes = 0;
        int firstFragments = 0;
        int udp = 0;
        int compared = 0;
        try (CaptureReader r = CaptureReader.open(pcap)) {
            while (r.next()) {
                String[] row = rows.get(frames);
                String where = "frame " + (frames + 1) + " (" + r.capturedLength() + " of " + r.originalLength() + " bytes)";
                frames++;
                assertEquals(Integer.parseInt(row[0]), r.originalLength(), where);
                assertEquals(Integer.parseInt(row[1]), r.capturedLength(), where);
                d.decode(r.segment(), r.frameOffset(), r.capturedLength(), r.originalLength()); // nothing thrown: the traffic is good
                assertEquals(r.capturedLength() < r.originalLength(), d.isTruncated(), where);
                if (d.isTruncated()) {
                    cut++;
                }
                for (int k = 2; k < fields.size(); k++) {
                    Object ours = d.layers() == 0 ? null : Fields.ours(d, fields.get(k));
                    boolean echoField = fields.get(k).equals("icmp.ident") || fields.get(k).equals("icmp.seq");
                    if (echoField && ours != null && d.icmp().type() != Icmp.ECHO_REQUEST && d.icmp().type() != Icmp.ECHO_REPLY) {
                        ours = null; // identifier and sequence are echo fields: tshark shows none for an ICMP error
                    }
                    if (ours != null) {
                        Object theirs = Fields.cell(row[k]);
                        if (theirs instanceof List<?> l && !(ours instanceof List<?>)) {
                            theirs = l.get(0); // tshark also dissects the packet an ICMP error quotes; we do not: the outer one
                        }
                        assertEquals(theirs, ours, where + ": " + fields.get(k) + " by tshark and by us");
                        compared++;
                    }
                }
                assertTrue(d.checksumsValid(), where + ": the checksums of what was captured");
                if (d.has(PacketDecoder.ICMP) && d.ipv4().totalLength() == 20 + 8 + 1000) {
                    assertTrue(d.icmp().isTruncated(), where);
                    echoes++;
                }
                if (d.has(PacketDecoder.ICMP) && d.ipv4().moreFragments()) {
                    firstFragments++;
                }
                if (d.has(PacketDecoder.UDP) && d.udp().destinationPort() == 9999) {
                    assertEquals(1208, d.udp().length());
                    assertTrue(d.udp().isTruncated());
                    assertEquals(64 - 14 - 20 - 8, d.udp().payloadLength());
                    udp++;
                }
            }
        }
        System.out.println("tcpdump -s 64: " + frames + " frames, " + cut + " cut, " + echoes + " echo requests/replies, "
                + firstFragments + " first fragments, " + udp + " UDP, " + compared + " fields compared with tshark");
        assertEquals(rows.size(), frames);
        assertEquals(6, echoes, "three requests and three replies of 1,028 bytes, cut");
        assertTrue(firstFragments >= 1, "the first fragment of the 3,000-byte ping, its ICMP header decoded");
        assertEquals(1, udp, "the UDP datagram, its header decoded");
    }
}
