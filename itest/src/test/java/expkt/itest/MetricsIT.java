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
 * is valid for Prometheus ({@code promtool check metrics}, Debian's {@code prometheus} package) and
 * for the Prometheus client's own parser (Python's {@code prometheus_client}, Debian's
 * {@code python3-prometheus-client}: the Java client has no parser), every histogram consistent
 * (ascending {@code le}, cumulative buckets ending in +Inf, {@code _count} equal to the +Inf bucket);
 * the filter's nftables counters, its socket's and its handler's frame counters, and the count of the
 * handler's handle-time histogram grew by exactly the frames sent.
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
            Map<String, Double> hist0 = parsed(h.run, first);
            double count0 = hist0.get("expkt_handler_frame_seconds_count wol");
            assertEquals("the histogram counts the frames the handler got", handler0, count0, 0);
            String socket = label(first, "expkt_handler_frames_total", "handler=\"wol#(\\d+)\"");
            double socket0 = value(first, "expkt_socket_frames_total", "socket=\"" + socket + "\"");

            int n = 25;
            h.sendMagicPackets(n);
            String[] scraped = {first};
            expkt.lab.Deadlines.await(OpsHost.WAIT_MS, "the " + n + " magic packets counted by filter, handler and histogram", () -> {
                try {
                    scraped[0] = scrape(h);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                String s = scraped[0];
                return value(s, "expkt_filter_packets_total", "filter=\"wol\"") >= packets0 + n
                        && value(s, "expkt_handler_frames_total", "handler=\"wol#") >= handler0 + n
                        && value(s, "expkt_handler_frame_seconds_count", "handler=\"wol#") >= count0 + n;
            }, () -> scraped[0]);
            String now = scraped[0];
            assertEquals("filter packets:\n" + now, packets0 + n, value(now, "expkt_filter_packets_total", "filter=\"wol\""), 0);
            assertEquals("filter bytes", bytes0 + (double) n * FRAME_BYTES, value(now, "expkt_filter_bytes_total", "filter=\"wol\""), 0);
            assertEquals("handler frames", handler0 + n, value(now, "expkt_handler_frames_total", "handler=\"wol#"), 0);
            assertEquals("socket frames", socket0 + n, value(now, "expkt_socket_frames_total", "socket=\"" + socket + "\""), 0);
            assertEquals("no exception in the handler", 0, value(now, "expkt_handler_exceptions_total", "handler=\"wol#"), 0);
            assertEquals("no kernel drop", 0, value(now, "expkt_socket_kernel_drops_total", "socket=\"" + socket + "\""), 0);
            assertTrue("lane counters", now.contains("expkt_lane_wakeups_total{lane="));
            promtool(h.run, now);
            // the handle-time histogram, as the client's parser reads it: one observation per frame sent
            Map<String, Double> hist = parsed(h.run, now);
            assertEquals("histogram _count: " + hist, count0 + n, hist.get("expkt_handler_frame_seconds_count wol"), 0);
            assertEquals("histogram _count = handler frames", value(now, "expkt_handler_frames_total", "handler=\"wol#"),
                    hist.get("expkt_handler_frame_seconds_count wol"), 0);
            assertTrue("histogram _sum grew: " + hist, hist.get("expkt_handler_frame_seconds_sum wol") > hist0.get("expkt_handler_frame_seconds_sum wol"));
            assertTrue("the +Inf bucket as text", now.contains("expkt_handler_frame_seconds_bucket{bundle=\"expkt.protocol.wol\""));
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

    /**
     * Parses the exposition with the Prometheus client's own parser ({@code prometheus_client.parser},
     * Python) and checks every histogram family: buckets with ascending {@code le} ending in +Inf,
     * cumulative, {@code _count} equal to the +Inf bucket, a {@code _sum}. Fails naming any problem, or
     * the parser's error. Returns {@code "<name>_count <filter>"} and {@code "<name>_sum <filter>"} of
     * every histogram series (the filter from its {@code handler} label, {@code wol#12} → {@code wol}).
     */
    static Map<String, Double> parsed(Path dir, String exposition) throws Exception {
        Path in = Files.writeString(Files.createTempFile(dir, "metrics", ".txt"), exposition);
        String py = String.join("\n",
                "import sys, math",
                "from prometheus_client.parser import text_string_to_metric_families",
                "families = list(text_string_to_metric_families(open(sys.argv[1]).read()))",
                "print('FAMILIES', len(families))",
                "bad = []",
                "for f in families:",
                "    if f.type != 'histogram':",
                "        continue",
                "    series = {}",
                "    for s in f.samples:",
                "        key = tuple(sorted((k, v) for k, v in s.labels.items() if k != 'le'))",
                "        d = series.setdefault(key, {'b': [], 'sum': None, 'count': None})",
                "        if s.name.endswith('_bucket'): d['b'].append((float(s.labels['le']), s.value))",
                "        elif s.name.endswith('_sum'): d['sum'] = s.value",
                "        elif s.name.endswith('_count'): d['count'] = s.value",
                "    for key, d in series.items():",
                "        b = d['b']",
                "        where = f.name + str(dict(key))",
                "        if not b or not math.isinf(b[-1][0]): bad.append(where + ': no +Inf bucket')",
                "        if any(b[i][0] >= b[i + 1][0] for i in range(len(b) - 1)): bad.append(where + ': le not ascending')",
                "        if any(b[i][1] > b[i + 1][1] for i in range(len(b) - 1)): bad.append(where + ': buckets not cumulative')",
                "        if d['count'] is None or (b and d['count'] != b[-1][1]): bad.append(where + ': _count is not the +Inf bucket')",
                "        if d['sum'] is None: bad.append(where + ': no _sum')",
                "        h = dict(key).get('handler', '').split('#')[0]",
                "        print('HIST', f.name + '_count', h, d['count'])",
                "        print('HIST', f.name + '_sum', h, d['sum'])",
                "for x in bad:",
                "    print('BAD', x)",
                "sys.exit(1 if bad else 0)");
        String python = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
        Process p = new ProcessBuilder(python, "-c", py, in.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue("the parser ends", p.waitFor(60, TimeUnit.SECONDS));
        assertEquals("prometheus_client's parser on the exposition:\n" + out, 0, p.exitValue());
        assertTrue(out, out.contains("FAMILIES "));
        Map<String, Double> hist = new HashMap<>();
        for (String line : out.lines().toList()) {
            String[] f = line.split(" ");
            if (f[0].equals("HIST") && f.length == 4) {
                hist.put(f[1] + " " + f[2], Double.parseDouble(f[3]));
            }
        }
        assertTrue("the parser found the handler histograms:\n" + out, hist.keySet().stream().anyMatch(k -> k.startsWith("expkt_handler_frame_seconds_count ")));
        return hist;
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
