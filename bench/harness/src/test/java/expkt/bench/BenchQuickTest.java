package expkt.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code bench --quick} end to end (real labs, real generators, every contender) so the harness
 * cannot rot, and reads the JSON it wrote the way a script would. It checks the shape and sanity of
 * the figures (every row there, frames > 0, percentiles ordered), never a timing target: the
 * machines are shared and noisy.
 */
class BenchQuickTest {
    @TempDir
    static Path out;
    static List<Map<String, Object>> rows;
    static String printed;

    @BeforeAll
    @Timeout(300)
    @SuppressWarnings("unchecked")
    static void runQuick() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (PrintStream log = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            Bench.run(new String[] {"--quick", "--out", out.toString()}, new PrintStream(new TeeStream(buf, System.out), true));
        }
        printed = buf.toString(StandardCharsets.UTF_8);
        rows = (List<Map<String, Object>>) MiniJson.parse(Files.readString(out.resolve("latest.json")));
    }

    private static Map<String, Object> row(String workload, String contender, String placementOrVariant) {
        List<Map<String, Object>> found = rows.stream().filter(r -> workload.equals(r.get("workload")) && contender.equals(r.get("contender")))
                .filter(r -> placementOrVariant == null || placementOrVariant.equals(r.get("placement"))
                        || placementOrVariant.equals(r.get("variant")))
                .toList();
        assertEquals(1, found.size(), "exactly one row " + workload + "/" + contender + "/" + placementOrVariant + " in " + rows);
        return found.get(0);
    }

    private static double num(Map<String, Object> r, String key) {
        Object v = r.get(key);
        assertTrue(v instanceof Double, key + " is a number in " + r);
        return (Double) v;
    }

    private static boolean hostAvailable() {
        return ExpktHost.unavailable(Path.of(System.getProperty("expkt.bench.home"))).isEmpty();
    }

    @Test
    void everyRowHasDateMachineAndNoFailure() {
        assertFalse(rows.isEmpty());
        for (Map<String, Object> r : rows) {
            assertNotNull(r.get("date"), "date in " + r);
            assertTrue(r.get("machine") instanceof Map<?, ?> m && m.get("nproc") != null && m.get("kernel") != null, "machine in " + r);
            assertFalse("failed".equals(r.get("status")), "no contender failed: " + r);
            if ("not-run".equals(r.get("status"))) {
                assertTrue(r.get("reason") instanceof String s && !s.isBlank(), "a not-run row says why: " + r);
                assertFalse(r.containsKey("frames") || r.containsKey("ns_per_frame") || r.containsKey("p50_us"),
                        "a not-run row carries no figure: " + r);
            }
        }
        Set<String> workloads = rows.stream().map(r -> (String) r.get("workload")).collect(Collectors.toSet());
        assertEquals(Set.copyOf(Bench.WORKLOADS), workloads);
    }

    @Test
    void receiveContendersTookFramesAndCostCpu() {
        for (String w : List.of("rx64", "rx1514", "rx64-napi")) {
            if (w.equals("rx64-napi") && !RxBench.onPath("ethtool")) {
                assertEquals("not-run", row(w, "c-ring", null).get("status"), "setup B without ethtool");
                continue;
            }
            Map<String, Object> gen = row(w, w.equals("rx64-napi") ? "c-txring" : "trafgen", null);
            assertTrue(num(gen, "pps") > 1000, "generator rate in " + gen);
            List<String> contenders = hostAvailable() ? List.of("c-ring", "tcpdump", "pcap4j", "expkt", "expkt-whiteboard")
                    : List.of("c-ring", "tcpdump", "pcap4j");
            for (String c : contenders) {
                Map<String, Object> r = row(w, c, null);
                double frames = num(r, "frames");
                double expected = num(r, "expected");
                assertTrue(frames > 0 && frames <= expected, "0 < frames <= matching frames sent: " + r);
                if (!c.equals("expkt-whiteboard")) { // the handler API does not expose kernel drops
                    assertTrue(num(r, "kdrops") >= 0, "drops in " + r);
                }
                assertTrue(num(r, "delivered_frac") > 0 && num(r, "delivered_frac") <= 1, "fraction in " + r);
                assertTrue(num(r, "ns_per_frame") > 0, "CPU per frame in " + r);
                assertTrue(num(r, "ratio_to_c_ring") > 0, "ratio in " + r);
            }
            assertEquals(1.0, num(row(w, "c-ring", null), "ratio_to_c_ring"));
            if (!hostAvailable()) {
                assertEquals("not-run", row(w, "expkt", null).get("status"));
                assertEquals("not-run", row(w, "expkt-whiteboard", null).get("status"));
            }
        }
    }

    @Test
    void echoPercentilesAreOrdered() {
        for (String placement : List.of("same-cpu", "cross-cpu")) {
            Map<String, Object> r = row("echo", "c-responder", placement);
            assertTrue(num(r, "frames") > 0, "answers in " + r);
            assertTrue(0 < num(r, "p50_us") && num(r, "p50_us") <= num(r, "p99_us") && num(r, "p99_us") <= num(r, "p999_us"),
                    "0 < p50 <= p99 <= p99.9 in " + r);
            Map<String, Object> e = row("echo", "expkt", placement);
            if (hostAvailable()) {
                assertTrue(num(e, "frames") > 0 && num(e, "p50_us") > 0 && num(e, "p50_us") <= num(e, "p999_us"), "expkt echo in " + e);
            }
        }
        Map<String, Object> ping = row("echo", "kernel-icmp", "same-cpu");
        assertTrue(num(ping, "frames") > 0 && num(ping, "p50_us") > 0 && num(ping, "p50_us") <= num(ping, "p999_us"), "ping in " + ping);
    }

    @Test
    void sendersPutFramesOnTheWire() {
        for (String c : List.of("trafgen", "c-txring")) {
            Map<String, Object> r = row("tx64", c, null);
            assertTrue(num(r, "frames") > 0 && num(r, "frames") <= num(r, "sent"), "counted on the far side: " + r);
            assertTrue(num(r, "pps") > 0, "rate in " + r);
        }
        Map<String, Object> sendto = row("tx64", "expkt", "sendto");
        Map<String, Object> batched = row("tx64", "expkt", "batched");
        Map<String, Object> upgrade = row("upgrade", "expkt", null);
        Map<String, Object> alloc = row("alloc", "expkt", null);
        Map<String, Object> upgradeProvider = row("upgrade-provider", "expkt", null);
        if (hostAvailable()) {
            assertTrue(num(sendto, "frames") > 0 && num(sendto, "pps") > 0, "expkt sendto in " + sendto);
            assertTrue(num(batched, "frames") > 0 && num(batched, "pps") > 0, "expkt batched in " + batched);
            assertTrue(num(upgrade, "frames") > 0 && num(upgrade, "swap_ms") >= 0, "upgrade in " + upgrade);
            assertSequenceAccounting(upgrade);
            // the sink's next revision took over its parked socket (ring and frames queued during the swap)
            assertEquals(1.0, num(upgrade, "socket_adopted"), "upgrade in " + upgrade);
            assertTrue(num(upgrade, "ring_drops_parked") >= 0, "the parked ring's drops in " + upgrade);
            // the swap's steps, in order: old deactivate, its socket parked, its accounting saved; the new revision
            // activated, its socket opened, the parked one adopted, its callback set
            List<String> steps = List.of("swap_from_ms", "old_closed_ms", "old_saved_ms", "new_activated_ms", "new_opened_ms",
                    "new_adopted_ms", "swap_to_ms");
            for (int i = 1; i < steps.size(); i++) {
                assertTrue(num(upgrade, steps.get(i - 1)) <= num(upgrade, steps.get(i)), steps + " in order in " + upgrade);
            }
            assertTrue(num(upgradeProvider, "frames") > 0 && num(upgradeProvider, "provider_update_ms") >= 0,
                    "upgrade-provider in " + upgradeProvider);
            // the keeper holds the sink's PacketService: a provider update does not restart the sink's component
            assertEquals(0.0, num(upgradeProvider, "sink_restarted"), "upgrade-provider in " + upgradeProvider);
            assertSequenceAccounting(upgradeProvider);
            assertTrue(num(upgradeProvider, "update_from_ms") <= num(upgradeProvider, "update_to_ms"), "update window in " + upgradeProvider);
            assertTrue(num(alloc, "frames") > 0 && num(alloc, "bytes_per_frame") >= 0, "alloc in " + alloc);
        }
    }

    /**
     * The numbered-frame split of a hot-update row ({@code upgrade}, {@code upgrade-provider}): every matching frame
     * sent is a distinct number received, a ring drop, or lost in the swap; nothing twice, nothing foreign.
     */
    private static void assertSequenceAccounting(Map<String, Object> r) {
        double expected = num(r, "expected");
        double lost = num(r, "lost");
        assertTrue(expected > 0 && lost >= 0 && lost <= expected, "0 <= lost <= matching frames sent: " + r);
        assertTrue(num(r, "ring_drops") >= 0, "ring drops in " + r);
        assertEquals(lost, num(r, "ring_drops") + num(r, "lost_in_swap"), "lost = ring_drops + lost_in_swap in " + r);
        assertEquals(0.0, num(r, "duplicates"), "no frame delivered twice across the update: " + r);
        assertEquals(0.0, num(r, "seq_out_of_range"), "every frame carried a number of the stream: " + r);
        assertTrue(num(r, "reordered") >= 0 && num(r, "seq_highest") <= expected, "reordered >= 0, highest number <= sent in " + r);
        // the sink's two counts agree: frames taken = distinct numbers + duplicates
        assertEquals(expected - lost + num(r, "duplicates"), num(r, "frames"), "frames = distinct numbers + duplicates in " + r);
        // what the update cost is what went missing after the jar's drop: between 0 and all that went missing
        double across = num(r, "lost_across_update");
        assertTrue(across >= 0 && across <= lost && across == lost - num(r, "missing_at_drop"),
                "lost_across_update = lost - missing_at_drop in " + r);
        assertTrue(num(r, "ring_drops_at_drop") >= 0, "ring drops at the drop in " + r);
    }

    @Test
    void forwardingRatesAreMeasuredAgainstNoHost() {
        Map<String, Object> kernel = row("forward", "kernel", "no-host");
        assertTrue(num(kernel, "pps") > 1000, "no-host forwarding rate in " + kernel);
        assertEquals(1.0, num(kernel, "ratio_to_no_host"));
        for (String v : List.of("demo-bundles", "50-filters", "50-filters-tap")) {
            Map<String, Object> r = row("forward", "expkt", v);
            if (hostAvailable() && !"not-run".equals(r.get("status"))) {
                assertTrue(num(r, "pps") > 0 && num(r, "ratio_to_no_host") > 0, "forwarding with the host in " + r);
            } else {
                assertEquals("not-run", r.get("status"), "without a host: " + r);
            }
        }
    }

    @Test
    void fanoutDeliversOnOneAndTwoLanes() {
        for (String variant : List.of("1 lane", "2 lanes")) {
            Map<String, Object> r = row("fanout", "expkt-whiteboard", variant);
            if (!hostAvailable() || !RxBench.onPath("ethtool")) {
                assertEquals("not-run", r.get("status"), "fanout without a host or ethtool: " + r);
                continue;
            }
            double frames = num(r, "frames");
            double expected = num(r, "expected");
            assertTrue(frames > 0 && frames <= expected, "0 < frames <= matching frames sent: " + r);
            assertEquals(expected - frames, num(r, "lost"), "lost = sent - delivered in " + r);
            assertTrue(num(r, "pps") > 0 && num(r, "ns_per_frame") > 0, "rate and CPU in " + r);
        }
    }

    @Test
    void tableAndTargetsArePrintedAndWritten() throws Exception {
        String md = Files.readString(out.resolve("latest.md"));
        assertTrue(md.contains("| workload | contender |"), md);
        assertTrue(md.contains("Targets (issue 8)"), md);
        assertTrue(printed.contains("| rx64 | c-ring |"), "the table is printed");
        try (var files = Files.list(out)) {
            assertEquals(4, files.filter(p -> p.getFileName().toString().matches("(latest|results-.*-quick)\\.(json|md)")).count());
        }
    }

    /** Prints to two streams (the test's capture and the console, so a CI log shows the table). */
    static final class TeeStream extends java.io.OutputStream {
        private final java.io.OutputStream a;
        private final java.io.OutputStream b;

        TeeStream(java.io.OutputStream a, java.io.OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int c) throws java.io.IOException {
            a.write(c);
            b.write(c);
        }

        @Override
        public void write(byte[] buf, int off, int len) throws java.io.IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }
    }
}
