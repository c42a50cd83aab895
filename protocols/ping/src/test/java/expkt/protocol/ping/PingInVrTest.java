package expkt.protocol.ping;

import expkt.lab.Lab;
import expkt.lab.Topologies;
import expkt.lab.TwoVrs;
import expkt.testkit.lab.RoutersUnderTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ping:ping's engine against the kernels of real host namespaces, in the two VRs of the lab topology
 * {@link Topologies#twoVrs(String, String)} (same 10.0.0.0/24): 10.0.0.2 exists only behind VR-A,
 * 10.0.0.3 only behind VR-B. The VR sockets are {@code expkt.vr}'s, through the test kit's
 * {@link RoutersUnderTest}. The output is compared with iputils ping run in the same VR namespace to
 * the same host.
 */
class PingInVrTest {
    static final String BUNDLE = "expkt.protocol.ping";
    static TwoVrs vrs;
    static Lab lab;
    static String vra;
    static String vrb;

    RoutersUnderTest routers;
    Pinger pinger;

    @BeforeAll
    static void buildLab() {
        Lab.cleanStale();
        vrs = Topologies.twoVrs("10.0.0.2", "10.0.0.3");
        lab = vrs.lab();
        vra = vrs.vra();
        vrb = vrs.vrb();
    }

    @AfterAll
    static void removeLab() {
        if (vrs != null) {
            vrs.close();
        }
    }

    @BeforeEach
    void open() {
        routers = RoutersUnderTest.on(vrs);
        pinger = new Pinger(routers.sockets(BUNDLE));
    }

    @AfterEach
    void close() {
        int open = routers.openSockets(BUNDLE);
        routers.close();
        assertEquals(0, open, "ping closed every raw socket it opened");
    }

    List<String> ping(String... args) throws Exception {
        List<String> lines = new ArrayList<>();
        pinger.ping(PingRequest.parse(List.of(args)), lines::add);
        System.out.println(String.join("\n", lines));
        return lines;
    }

    /** Numbers become N: what remains is the format. */
    static List<String> shape(List<String> lines) {
        return lines.stream().map(l -> l.replaceAll("\\d+(\\.\\d+)?", "N")).toList();
    }

    static final Pattern TIME = Pattern.compile("time=(\\d+\\.\\d+) ms");
    static final Pattern RTT = Pattern.compile("rtt min/avg/max/mdev = ([\\d.]+)/([\\d.]+)/([\\d.]+)/([\\d.]+) ms");

    @Test
    void repliesFromTheHostKernelInTheFormatOfIputils() throws Exception {
        List<String> ours = ping("-v", "VR-A", "10.0.0.2", "3", "56", "0.2");
        List<String> iputils = List.of(lab.exec(vra, "ping", "-c", "3", "-i", "0.2", "10.0.0.2").check().stdout().split("\n"));
        System.out.println(String.join("\n", iputils));
        assertEquals(shape(iputils), shape(ours));
        assertEquals("PING 10.0.0.2 (10.0.0.2) 56(84) bytes of data.", ours.getFirst());
        for (int seq = 1; seq <= 3; seq++) {
            assertTrue(ours.get(seq).startsWith("64 bytes from 10.0.0.2: icmp_seq=" + seq + " ttl=64 time="), ours.get(seq));
        }
        assertTrue(ours.contains("3 packets transmitted, 3 received, 0% packet loss, time " + timeOf(ours) + "ms"));
        // the summary agrees with the reply lines (to the precision of the reply lines: 3 decimals below 1 ms, 2 below 10 ms, as iputils)
        List<Double> times = ours.stream().map(TIME::matcher).filter(Matcher::find).map(m -> Double.parseDouble(m.group(1))).toList();
        Matcher rtt = RTT.matcher(ours.getLast());
        assertTrue(rtt.matches(), ours.getLast());
        double min = Double.parseDouble(rtt.group(1));
        double avg = Double.parseDouble(rtt.group(2));
        double max = Double.parseDouble(rtt.group(3));
        assertEquals(times.stream().mapToDouble(d -> d).min().orElseThrow(), min, 0.0051);
        assertEquals(times.stream().mapToDouble(d -> d).max().orElseThrow(), max, 0.0051);
        assertEquals(times.stream().mapToDouble(d -> d).average().orElseThrow(), avg, 0.0051);
        long elapsed = timeOf(ours);
        assertTrue(elapsed >= 399 && elapsed < 1000, "iputils counts from the first to the last request: 3 requests 0.2 s apart, "
                + elapsed + " ms");
    }

    static long timeOf(List<String> lines) {
        for (String l : lines) {
            Matcher m = Pattern.compile("packet loss, time (\\d+)ms").matcher(l);
            if (m.find()) {
                return Long.parseLong(m.group(1));
            }
        }
        throw new AssertionError("no summary in " + lines);
    }

    @Test
    void largerPacketsAsIputilsSizesThem() throws Exception {
        List<String> ours = ping("-v", "VR-B", "10.0.0.3", "2", "1000", "0.1");
        List<String> iputils = List.of(lab.exec(vrb, "ping", "-c", "2", "-i", "0.1", "-s", "1000", "10.0.0.3").check().stdout().split("\n"));
        assertEquals(shape(iputils), shape(ours));
        assertEquals("PING 10.0.0.3 (10.0.0.3) 1000(1028) bytes of data.", ours.getFirst());
        assertTrue(ours.get(1).startsWith("1008 bytes from 10.0.0.3: icmp_seq=1 ttl=64"), ours.get(1));
    }

    @Test
    void anAddressOfTheOtherVrGetsNoReply() throws Exception {
        List<String> ours = ping("-v", "VR-A", "10.0.0.3", "2", "56", "0.2");
        assertEquals(List.of("PING 10.0.0.3 (10.0.0.3) 56(84) bytes of data.", "", "--- 10.0.0.3 ping statistics ---",
                "2 packets transmitted, 0 received, 100% packet loss, time " + timeOf(ours) + "ms"), ours);
        assertTrue(timeOf(ours) < 1000, "the time excludes the wait for replies that never came: " + timeOf(ours));
        List<String> inB = ping("-v", "VR-B", "10.0.0.3", "2", "56", "0.2");
        assertTrue(inB.contains("2 packets transmitted, 2 received, 0% packet loss, time " + timeOf(inB) + "ms"), inB.toString());
        List<String> bHasNo2 = ping("-v", "VR-B", "10.0.0.2", "1", "56", "0.2");
        assertTrue(bHasNo2.get(3).startsWith("1 packets transmitted, 0 received, 100% packet loss"), bHasNo2.toString());
    }

    @Test
    void anUnknownVrIsNamedAndLeavesNoSocket() throws Exception {
        long before = openFds();
        var e = assertThrows(IllegalArgumentException.class, () -> ping("-v", "VR-Nowhere", "10.0.0.2", "1"));
        assertTrue(e.getMessage().contains("VR-Nowhere"), e.getMessage());
        ping("-v", "VR-A", "10.0.0.2", "1");
        assertEquals(before, openFds(), "every raw socket was closed");
    }

    static long openFds() throws Exception {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }
}
