package expkt.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import expkt.api.net.Ipv4Address;
import expkt.api.net.Ipv6Address;
import expkt.api.net.MacAddress;
import expkt.codec.ip.IpProtocol;
import expkt.codec.pcap.CaptureReader;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Frames made by independent tools parse to the values those tools report: Scapy (its own
 * builders, lengths and checksums, written with its own pcap writer) and text2pcap (its own
 * Ethernet/IP/UDP/TCP headers around our payload, in a pcapng file). Also reads a pcapng that tshark
 * converted from Scapy's pcap, and checks it holds the same frames and timestamps.
 */
class IndependentToolsTest {
    @TempDir
    Path dir;

    @Test
    void scapyFramesParseToScapysValues() throws Exception {
        Path script = dir.resolve("scapy_frames.py");
        try (InputStream in = getClass().getResourceAsStream("scapy_frames.py")) {
            Files.copy(in, script);
        }
        Path pcap = dir.resolve("scapy.pcap");
        String out = ExternalTools.run(List.of(ExternalTools.PYTHON, script.toString(), pcap.toString()), dir);
        Map<Integer, Map<String, String>> expected = new LinkedHashMap<>();
        for (String line : out.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] c = line.split("\t", 3);
            expected.computeIfAbsent(Integer.parseInt(c[0]), k -> new LinkedHashMap<>()).put(c[1], c[2]);
        }
        assertTrue(expected.size() >= 20, "Scapy made " + expected.size() + " frames");

        PacketDecoder d = new PacketDecoder();
        List<byte[]> frames = new ArrayList<>();
        List<Long> stamps = new ArrayList<>();
        int compared = 0;
        try (CaptureReader r = CaptureReader.open(pcap)) {
            assertFalse(r.isPcapng());
            int n = 0;
            while (r.next()) {
                assertEquals(1, r.linkType());
                assertEquals(r.capturedLength(), r.originalLength());
                frames.add(r.frameBytes());
                stamps.add(r.timestampNanos());
                d.decode(r.segment(), r.frameOffset(), r.capturedLength());
                for (Map.Entry<String, String> e : expected.get(n).entrySet()) {
                    Object ours = e.getKey().equals("wol.target")
                            ? Fields.normalize(MacAddress.of(d.wakeOnLan().targetBits()).toString())
                            : Fields.ours(d, e.getKey());
                    assertEquals(Fields.cell(e.getValue()), ours, "Scapy frame " + n + " field " + e.getKey());
                    compared++;
                }
                assertTrue(d.checksumsValid(), "Scapy frame " + n + ": Scapy's checksums are good for us");
                n++;
            }
            assertEquals(expected.size(), n, "frames in Scapy's pcap");
        }
        assertTrue(compared > 150, "compared " + compared + " values");

        // the same frames through tshark's pcapng writer: same bytes, same (microsecond) timestamps
        Path ng = dir.resolve("scapy.pcapng");
        ExternalTools.run(List.of("tshark", "-r", pcap.toString(), "-F", "pcapng", "-w", ng.toString()), dir);
        try (CaptureReader r = CaptureReader.open(ng)) {
            assertTrue(r.isPcapng());
            int n = 0;
            while (r.next()) {
                assertArrayEquals(frames.get(n), r.frameBytes(), "pcapng frame " + n);
                assertEquals(stamps.get(n), r.timestampNanos(), "pcapng timestamp " + n);
                n++;
            }
            assertEquals(frames.size(), n);
        }
    }

    @Test
    void text2pcapHeadersParseToTheValuesGiven() throws Exception {
        byte[] payload = "independent headers around this payload".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < payload.length; i += 16) {
            hex.append(String.format("%06x", i));
            for (int j = i; j < Math.min(i + 16, payload.length); j++) {
                hex.append(String.format(" %02x", payload[j]));
            }
            hex.append('\n');
        }
        Path text = dir.resolve("payload.txt");
        Files.writeString(text, hex.toString());
        record Run(List<String> args, int protocol, boolean v6) {
        }
        List<Run> runs = List.of(
                new Run(List.of("-4", "192.0.2.10,198.51.100.20", "-u", "4321,53"), IpProtocol.UDP, false),
                new Run(List.of("-4", "192.0.2.11,198.51.100.21", "-T", "4322,80"), IpProtocol.TCP, false),
                new Run(List.of("-6", "2001:db8::10,2001:db8:1::20", "-u", "4323,5353"), IpProtocol.UDP, true),
                new Run(List.of("-6", "2001:db8::11,2001:db8:1::21", "-T", "4324,443"), IpProtocol.TCP, true));
        PacketDecoder d = new PacketDecoder();
        int i = 0;
        for (Run run : runs) {
            Path ng = dir.resolve("t2p-" + i++ + ".pcapng");
            List<String> cmd = new ArrayList<>(List.of("text2pcap", "-q", "-N", "port-1:" + i));
            cmd.addAll(run.args());
            cmd.add(text.toString());
            cmd.add(ng.toString());
            ExternalTools.run(cmd, dir);
            try (CaptureReader r = CaptureReader.open(ng)) {
                assertTrue(r.isPcapng());
                assertTrue(r.next(), "a frame in " + ng);
                d.decode(r.segment(), r.frameOffset(), r.capturedLength());
                String[] addrs = run.args().get(1).split(",");
                String[] ports = run.args().get(3).split(",");
                if (run.v6()) {
                    assertEquals(Ipv6Address.parse(addrs[0]), d.ipv6().source());
                    assertEquals(Ipv6Address.parse(addrs[1]), d.ipv6().destination());
                    assertEquals(run.protocol(), d.ipv6().protocol());
                } else {
                    assertEquals(Ipv4Address.parse(addrs[0]), d.ipv4().source());
                    assertEquals(Ipv4Address.parse(addrs[1]), d.ipv4().destination());
                    assertEquals(run.protocol(), d.ipv4().protocol());
                }
                HeaderView<?> l4 = run.protocol() == IpProtocol.UDP ? d.udp() : d.tcp();
                int sport = run.protocol() == IpProtocol.UDP ? d.udp().sourcePort() : d.tcp().sourcePort();
                int dport = run.protocol() == IpProtocol.UDP ? d.udp().destinationPort() : d.tcp().destinationPort();
                assertEquals(Integer.parseInt(ports[0]), sport);
                assertEquals(Integer.parseInt(ports[1]), dport);
                assertArrayEquals(payload, l4.payloadBytes(), "payload after text2pcap's headers");
                assertTrue(d.checksumsValid(), "text2pcap's checksums are good for us: " + run.args());
                assertFalse(r.next());
            }
        }
    }
}
