package expkt.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.Test;

/**
 * {@code /metrics} of the real host process while Wake-on-LAN frames flow in the lab: the exposition
 * is valid for Prometheus ({@code promtool check metrics}, Debian's {@code prometheus} package), and
 * the filter's nftables counters, its socket's and its handler's frame counters grew by exactly the
 * frames sent.
 */
public class MetricsIT {
    /** A WoL frame as OpsHost sends it: 14 bytes of Ethernet header, 6 + 16 × 6 bytes of magic packet. */
    static final int FRAME_BYTES = 14 + 6 + 96;
    private static final Pattern SAMPLE = Pattern.compile("(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})? (\\S+)$");

    @Test
    public void theExpositionIsValidAndCountsTheFramesSent() throws Exception {
        try (OpsHost h = OpsHost.start("metrics", OpsHost.wolJar())) {
            RestIT.awaitBody(h, "/runtime/filters", "\"name\" : \"wol\"");
            String first = scrape(h);
            promtool(h.run, first);
            assertTrue("the client's JVM metrics", first.contains("jvm_memory_used_bytes{area=\"heap\"}"));
            assertTrue("bundle lifecycle events", value(first, "expkt_bundle_events_total", "bundle=\"expkt.protocol.wol\",event=\"started\"") >= 1);
            assertTrue("components per state", first.contains("expkt_components{state=\"failed_activation\"}"));

            double packets0 = value(first, "expkt_filter_packets_total", "filter=\"wol\"");
            double bytes0 = value(first, "expkt_filter_bytes_total", "filter=\"wol\"");
            double handler0 = value(first, "expkt_handler_frames_total", "handler=\"wol#");
            String socket = label(first, "expkt_handler_frames_total", "handler=\"wol#(\\d+)\"");
            double socket0 = value(first, "expkt_socket_frames_total", "socket=\"" + socket + "\"");

            int n = 25;
            h.sendMagicPackets(n);
            long deadline = System.currentTimeMillis() + OpsHost.WAIT_MS;
            String now = first;
            while (System.currentTimeMillis() < deadline
                    && (value(now, "expkt_filter_packets_total", "filter=\"wol\"") < packets0 + n
                        || value(now, "expkt_handler_frames_total", "handler=\"wol#") < handler0 + n)) {
                Thread.sleep(200);
                now = scrape(h);
            }
            assertEquals("filter packets:\n" + now, packets0 + n, value(now, "expkt_filter_packets_total", "filter=\"wol\""), 0);
            assertEquals("filter bytes", bytes0 + (double) n * FRAME_BYTES, value(now, "expkt_filter_bytes_total", "filter=\"wol\""), 0);
            assertEquals("handler frames", handler0 + n, value(now, "expkt_handler_frames_total", "handler=\"wol#"), 0);
            assertEquals("socket frames", socket0 + n, value(now, "expkt_socket_frames_total", "socket=\"" + socket + "\""), 0);
            assertEquals("no exception in the handler", 0, value(now, "expkt_handler_exceptions_total", "handler=\"wol#"), 0);
            assertEquals("no kernel drop", 0, value(now, "expkt_socket_kernel_drops_total", "socket=\"" + socket + "\""), 0);
            assertTrue("lane counters", now.contains("expkt_lane_wakeups_total{lane="));
            promtool(h.run, now);
            Files.writeString(Path.of("target/ops/metrics-sample.txt"), now);
        }
    }

    static String scrape(OpsHost h) throws Exception {
        HttpResponse<String> r = h.send(HttpRequest.newBuilder(URI.create(h.base() + "/metrics")).GET().build());
        assertEquals(r.body(), 200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse(""), r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
        return r.body();
    }

    /** {@code promtool check metrics} on the exposition: exit 0, no finding. */
    static void promtool(Path dir, String exposition) throws Exception {
        Path in = Files.writeString(Files.createTempFile(dir, "metrics", ".txt"), exposition);
        Process p = new ProcessBuilder("promtool", "check", "metrics").redirectInput(in.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue("promtool ends", p.waitFor(60, TimeUnit.SECONDS));
        assertEquals("promtool check metrics:\n" + out, 0, p.exitValue());
        assertEquals("promtool findings", "", out.strip());
    }

    /** The value of the one sample of {@code name} whose labels contain {@code labelPart}. */
    static double value(String exposition, String name, String labelPart) {
        Map<String, Double> found = new HashMap<>();
        Matcher m = SAMPLE.matcher(exposition);
        while (m.find()) {
            if (m.group(1).equals(name) && m.group(2) != null && m.group(2).contains(labelPart)) {
                found.put(m.group(2), Double.parseDouble(m.group(3)));
            }
        }
        assertEquals(name + " with " + labelPart + ": one sample expected, got " + found, 1, found.size());
        return found.values().iterator().next();
    }

    static String label(String exposition, String name, String regex) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{[^}]*" + regex).matcher(exposition);
        assertTrue(name + " " + regex + " in:\n" + exposition, m.find());
        return m.group(1);
    }
}
