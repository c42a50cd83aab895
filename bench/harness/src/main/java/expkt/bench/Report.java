package expkt.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Turns the rows into {@code latest.json} (+ a dated copy), {@code latest.md} (+ a dated copy) and the
 * printed table, with the ratio to c-ring and the targets of issue 8 checked plainly: met, MISSED, or
 * not measured (and why).
 */
final class Report {
    private Report() {
    }

    static void addRatios(List<Row> rows) {
        for (Row r : rows) {
            if (!r.workload().startsWith("rx") || !r.ran() || Double.isNaN(r.num("ns_per_frame"))) {
                continue;
            }
            find(rows, r.workload(), "c-ring", null).filter(Row::ran).ifPresent(c -> {
                double base = c.num("ns_per_frame");
                if (base > 0) {
                    r.put("ratio_to_c_ring", RxBench.round(r.num("ns_per_frame") / base * 10) / 10.0);
                }
            });
        }
    }

    static Optional<Row> find(List<Row> rows, String workload, String contender, String placementOrVariant) {
        return rows.stream().filter(r -> r.workload().equals(workload) && r.contender().equals(contender))
                .filter(r -> placementOrVariant == null || placementOrVariant.equals(r.get("placement"))
                        || placementOrVariant.equals(r.get("variant")))
                .findFirst();
    }

    /** The targets of issue 8, each "met", "MISSED" or "not measured: why". */
    static List<String> targets(List<Row> rows) {
        List<String> out = new ArrayList<>();
        for (String w : List.of("rx64", "rx1514", "rx64-napi")) {
            out.add(check("expkt CPU/frame ≤ 1.5× c-ring (" + w + ")", find(rows, w, "expkt", null), find(rows, w, "c-ring", null),
                    (e, c) -> e.num("ns_per_frame") <= 1.5 * c.num("ns_per_frame"),
                    (e, c) -> fmt("%.1f vs %.1f ns = %.2f×", e.num("ns_per_frame"), c.num("ns_per_frame"),
                            e.num("ns_per_frame") / c.num("ns_per_frame"))));
        }
        Optional<Row> cNapi = find(rows, "rx64-napi", "c-ring", null);
        if (cNapi.filter(Row::ran).map(c -> c.num("kdrops") > 0).orElse(false)) {
            out.add("- 0 kernel drops in rx64-napi where c-ring has 0: not applicable, c-ring itself dropped "
                    + (long) cNapi.get().num("kdrops"));
        } else {
            out.add(check("0 kernel drops in rx64-napi (c-ring has 0)", find(rows, "rx64-napi", "expkt", null), cNapi,
                    (e, c) -> e.num("kdrops") == 0, (e, c) -> fmt("expkt %d drops", (long) e.num("kdrops"))));
        }
        out.add(check("≥ 20× cheaper per frame than pcap4j (rx64)", find(rows, "rx64", "expkt", null), find(rows, "rx64", "pcap4j", null),
                (e, p) -> p.num("ns_per_frame") >= 20 * e.num("ns_per_frame"),
                (e, p) -> fmt("pcap4j %.1f / expkt %.1f ns = %.1f×", p.num("ns_per_frame"), e.num("ns_per_frame"),
                        p.num("ns_per_frame") / e.num("ns_per_frame"))));
        out.add(check("batched TX ≥ trafgen (tx64)", find(rows, "tx64", "expkt", "batched"), find(rows, "tx64", "trafgen", null),
                (e, t) -> e.num("pps") >= t.num("pps"), (e, t) -> fmt("%.0f vs %.0f pps", e.num("pps"), t.num("pps"))));
        for (String placement : List.of("same-cpu", "cross-cpu")) {
            out.add(check("echo p50 ≤ 1.1× c-responder (" + placement + ")", find(rows, "echo", "expkt", placement),
                    find(rows, "echo", "c-responder", placement), (e, c) -> e.num("p50_us") <= 1.1 * c.num("p50_us"),
                    (e, c) -> fmt("%.1f vs %.1f µs", e.num("p50_us"), c.num("p50_us"))));
            out.add(check("echo p99.9 ≤ c-responder (" + placement + ")", find(rows, "echo", "expkt", placement),
                    find(rows, "echo", "c-responder", placement), (e, c) -> e.num("p999_us") <= c.num("p999_us"),
                    (e, c) -> fmt("%.1f vs %.1f µs", e.num("p999_us"), c.num("p999_us"))));
        }
        Optional<Row> up = find(rows, "upgrade", "expkt", null);
        out.add(check("0 frames lost across a hot upgrade", up, up,
                (e, x) -> (e.get("lost_across_update") != null) ? e.num("lost_across_update") == 0 : e.num("lost") == 0,
                (e, x) -> fmt("%s lost from the sink jar's drop on; in the whole stream %d lost = %d ring drops + %d in the swap "
                                + "(%s before the drop: the host warming up under it), %d duplicates, %d reordered, swap %.1f ms, socket %s",
                        (e.get("lost_across_update") != null) ? String.valueOf((long) e.num("lost_across_update")) : "?",
                        (long) e.num("lost"), (long) e.num("ring_drops"), (long) e.num("lost_in_swap"),
                        (e.get("missing_at_drop") != null) ? String.valueOf((long) e.num("missing_at_drop")) : "?", (long) e.num("duplicates"),
                        (long) e.num("reordered"), e.num("swap_ms"), e.num("socket_adopted") == 1 ? "adopted" : "not adopted")));
        Optional<Row> noHost = find(rows, "forward", "kernel", "no-host");
        for (String v : List.of("demo-bundles", "50-filters")) {
            out.add(check("forwarding ≥ 95 % of the no-host rate (" + v + ")", find(rows, "forward", "expkt", v), noHost,
                    (e, k) -> e.num("pps") >= 0.95 * k.num("pps"),
                    (e, k) -> fmt("%.0f vs %.0f pps = %.1f %%", e.num("pps"), k.num("pps"), 100 * e.num("pps") / k.num("pps"))));
            // the same target in CPU: where forwarding is CPU-bound, >= 95 % of the rate is <= 1/0.95 of the CPU per frame
            out.add(check("forwarding CPU per frame ≤ no-host / 0.95 (" + v + ")", find(rows, "forward", "expkt", v), noHost,
                    (e, k) -> e.num("ns_per_frame") * 0.95 <= k.num("ns_per_frame"),
                    (e, k) -> fmt("%.1f vs %.1f ns = %.2f×", e.num("ns_per_frame"), k.num("ns_per_frame"),
                            e.num("ns_per_frame") / k.num("ns_per_frame"))));
        }
        Optional<Row> upp = find(rows, ProviderUpgradeBench.WORKLOAD, "expkt", null);
        out.add(check("0 frames lost across a provider update (issue 18)", upp, upp,
                (e, x) -> (e.get("lost_across_update") != null) ? e.num("lost_across_update") == 0 : e.num("lost") == 0,
                (e, x) -> fmt("%s lost from the provider jar's drop on; in the whole stream %d lost = %d ring drops + %d in the swap "
                                + "(%s before the drop: the host warming up under it), %d duplicates, %d reordered, provider update %.0f ms, sink %s",
                        (e.get("lost_across_update") != null) ? String.valueOf((long) e.num("lost_across_update")) : "?",
                        (long) e.num("lost"), (long) e.num("ring_drops"), (long) e.num("lost_in_swap"),
                        (e.get("missing_at_drop") != null) ? String.valueOf((long) e.num("missing_at_drop")) : "?", (long) e.num("duplicates"),
                        (long) e.num("reordered"), e.num("provider_update_ms"), e.num("sink_restarted") == 0 ? "not restarted" : "restarted")));
        Optional<Row> al = find(rows, "alloc", "expkt", null);
        out.add(check("0 bytes allocated per received frame", al, al, (e, x) -> e.num("bytes_per_frame") == 0,
                (e, x) -> fmt("%.4f bytes/frame", e.num("bytes_per_frame"))));
        return out;
    }

    private static String check(String target, Optional<Row> subject, Optional<Row> reference,
                                java.util.function.BiPredicate<Row, Row> met,
                                java.util.function.BiFunction<Row, Row, String> figures) {
        if (subject.isEmpty() || !subject.get().ran()) {
            return "- " + target + ": **not measured** (" + subject.map(r -> String.valueOf(r.get("reason"))).orElse("no row") + ")";
        }
        if (reference.isEmpty() || !reference.get().ran()) {
            return "- " + target + ": **not measured** (the reference did not run: "
                    + reference.map(r -> String.valueOf(r.get("reason"))).orElse("no row") + ")";
        }
        boolean ok = met.test(subject.get(), reference.get());
        return "- " + target + ": " + (ok ? "met" : "**MISSED**") + " — " + figures.apply(subject.get(), reference.get());
    }

    private static String fmt(String f, Object... args) {
        return String.format(Locale.ROOT, f, args);
    }

    static final List<String> COLUMNS = List.of("workload", "contender", "placement", "variant", "status", "frames", "kdrops",
            "delivered_frac", "ns_per_frame", "ratio_to_c_ring", "pps", "p50_us", "p99_us", "p999_us", "lost", "ring_drops", "lost_in_swap", "lost_across_update", "swap_ms",
            "bytes_per_frame", "ratio_to_no_host", "cpu_ratio_to_no_host");

    static String markdown(List<Row> rows, Map<String, Object> machine, String date, boolean quick, List<String> targets) {
        StringBuilder b = new StringBuilder();
        b.append("# expkt benchmark results\n\n");
        b.append("Date: ").append(date).append(" · machine: ").append(Json.write(machine)).append(quick ? " · **--quick** (short bursts: figures are rough)" : "")
                .append("\n\n");
        b.append("| ").append(String.join(" | ", COLUMNS)).append(" |\n|");
        b.append(" --- |".repeat(COLUMNS.size())).append('\n');
        for (Row r : rows) {
            b.append('|');
            for (String c : COLUMNS) {
                Object v = r.get(c);
                b.append(' ').append(v == null ? "" : cell(v)).append(" |");
            }
            b.append('\n');
        }
        List<Row> notes = rows.stream().filter(r -> r.get("reason") != null).toList();
        if (!notes.isEmpty()) {
            b.append("\nNot run / failed:\n\n");
            for (Row r : notes) {
                b.append("- ").append(r.workload()).append(" / ").append(r.contender())
                        .append(r.get("placement") != null ? " / " + r.get("placement") : "")
                        .append(r.get("variant") != null ? " / " + r.get("variant") : "")
                        .append(": ").append(r.get("reason")).append('\n');
            }
        }
        b.append("\nTargets (issue 8):\n\n");
        targets.forEach(t -> b.append(t).append('\n'));
        return b.toString();
    }

    private static String cell(Object v) {
        String s;
        if (v instanceof Double d) {
            s = d == Math.rint(d) || Math.abs(d) >= 1000 ? String.format(Locale.ROOT, "%.0f", d)
                    : Math.abs(d) >= 10 ? String.format(Locale.ROOT, "%.1f", d) : String.format(Locale.ROOT, "%.3g", d);
        } else {
            s = v.toString();
        }
        return s.replace("|", "\\|").replace("\n", " ");
    }

    static Map<String, Object> machine() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("nproc", Runtime.getRuntime().availableProcessors());
        m.put("kernel", read("/proc/sys/kernel/osrelease"));
        String cpu = read("/proc/cpuinfo").lines().filter(l -> l.startsWith("model name")).findFirst()
                .map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse("unknown");
        m.put("cpu", cpu);
        m.put("loadavg_at_start", read("/proc/loadavg").split(" ")[0]);
        m.put("java", System.getProperty("java.version"));
        return m;
    }

    private static String read(String path) {
        try {
            return Files.readString(Path.of(path)).strip();
        } catch (IOException e) {
            return "unknown";
        }
    }

    static void write(Path dir, List<Row> rows, String markdown, String stamp) throws IOException {
        Files.createDirectories(dir);
        String json = Json.writeRows(rows.stream().map(r -> r.values).toList());
        Files.writeString(dir.resolve("latest.json"), json);
        Files.writeString(dir.resolve("results-" + stamp + ".json"), json);
        Files.writeString(dir.resolve("latest.md"), markdown);
        Files.writeString(dir.resolve("results-" + stamp + ".md"), markdown);
    }
}
