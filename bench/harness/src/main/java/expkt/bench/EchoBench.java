package expkt.bench;

import expkt.lab.Lab;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The echo workload: the client (bench/c/echoclient.c, the same for every responder) in host
 * namespace h1 on CPU 0 sends a 60-byte frame to switch port p1 and waits for it to come back; the
 * responder answers from the switch namespace on CPU 0 ({@code same-cpu}) or CPU 1
 * ({@code cross-cpu}). Warm-up exchanges first (the JIT compiles on the same core otherwise: p99.9
 * of 1 ms), then at least 10,000 measured ones. Kernel ICMP echo ({@code ping -i 0}) is the
 * reference: it answers in softirq, on the client's CPU on a veth, so it has one placement. Time
 * budgets (full: 20 s of warm-up, 40 s of measurement) keep a responder that takes milliseconds per
 * answer from stretching the run; the row says when one was reached.
 */
final class EchoBench {
    private static final Pattern RESULT = Pattern.compile(
            "n=(\\d+) lost=(\\d+) p50_us=([\\d.]+) p99_us=([\\d.]+) p999_us=([\\d.]+) max_us=[\\d.-]+ warmup=(\\d+)");
    private static final Pattern PING_TIME = Pattern.compile("time=([\\d.]+) ms");
    private final Bench.Context ctx;

    EchoBench(Bench.Context ctx) {
        this.ctx = ctx;
    }

    List<Row> run() {
        PrintStream log = ctx.log();
        log.printf("%n== echo: round trip of one 60-byte frame%n");
        long warm = ctx.quick() ? 5_000 : 50_000;
        long count = ctx.quick() ? 2_000 : 20_000;
        List<Row> rows = new ArrayList<>();
        try (Lab lab = Lab.builder().ports(1).build()) {
            String sw = lab.switchNs();
            String h1 = lab.host(1).ns();
            lab.addr(h1, "veth0", "10.99.0.1/24");
            lab.addr(sw, "p1", "10.99.0.2/24");
            for (String placement : List.of("same-cpu", "cross-cpu")) {
                int responderCpu = placement.equals("same-cpu") ? 0 : 1;
                rows.add(exchange(lab, "c-responder", placement, warm, count, () ->
                        Spawned.start("c-responder", sw, responderCpu, List.of(ctx.natives().path("responder"), "p1"), log),
                        true));
                var noHost = ExpktHost.unavailable(ctx.benchHome());
                if (noHost.isPresent()) {
                    rows.add(Row.notRun("echo", "expkt", noHost.get()).put("placement", placement));
                } else {
                    rows.add(exchange(lab, "expkt", placement, warm, count, () -> ExpktHost.start(ctx.benchHome(),
                            ctx.work(), sw, responderCpu, Map.of("expkt.bench.mode", "echo"), log), false));
                    for (int us : busyPollVariants()) {
                        // the same responder with the host-wide busy-poll default: its lane polls the ring before it sleeps
                        rows.add(exchange(lab, "expkt-busy-poll", placement, warm, count, () -> ExpktHost.start(ctx.benchHome(),
                                ctx.work(), sw, responderCpu, Map.of("expkt.bench.mode", "echo", "expkt.rx.busy.poll.us",
                                        Integer.toString(us)), log), false).put("variant", us + "us").put("busy_poll_us", us));
                    }
                }
            }
            rows.add(ping(lab, h1, warm, count));
        }
        return rows;
    }

    /**
     * The busy-poll budgets (µs) of the {@code expkt-busy-poll} rows: {@code -Dexpkt.bench.echo.busyPoll=50,200}
     * (default {@value #DEFAULT_BUSY_POLL}; empty: none).
     */
    static List<Integer> busyPollVariants() {
        String v = System.getProperty("expkt.bench.echo.busyPoll", DEFAULT_BUSY_POLL).strip();
        List<Integer> l = new ArrayList<>();
        for (String s : v.split(",")) {
            if (!s.isBlank()) {
                l.add(Integer.parseInt(s.strip()));
            }
        }
        return l;
    }

    static final String DEFAULT_BUSY_POLL = "0";

    private Row exchange(Lab lab, String contender, String placement, long warm, long count,
                         java.util.function.Supplier<AutoCloseable> responder, boolean awaitReady) {
        PrintStream log = ctx.log();
        log.println("  " + contender + " " + placement);
        try (AutoCloseable r = responder.get()) {
            if (awaitReady && r instanceof Spawned s) {
                s.await(Pattern.compile("^ready"), false, 10_000);
            }
            try (Spawned client = Spawned.start("echoclient", lab.host(1).ns(), 0, List.of(ctx.natives().path("echoclient"),
                    "veth0", Long.toString(warm), Long.toString(count), "200", Long.toString(ctx.quick() ? 5 : 20),
                    Long.toString(ctx.quick() ? 10 : 40)), log)) {
                long cpuBefore = responderPid(r) < 0 ? -1 : Cpu.processNs(responderPid(r));
                Matcher m = client.await(RESULT, false, 600_000);
                long cpu = cpuBefore < 0 ? -1 : Cpu.processNs(responderPid(r)) - cpuBefore;
                Row row = new Row("echo", contender).put("placement", placement).put("frames", Long.parseLong(m.group(1)))
                        .put("lost", Long.parseLong(m.group(2))).put("p50_us", Double.parseDouble(m.group(3)))
                        .put("p99_us", Double.parseDouble(m.group(4))).put("p999_us", Double.parseDouble(m.group(5)))
                        .put("warmup", Long.parseLong(m.group(6)));
                long exchanges = Long.parseLong(m.group(1)) + Long.parseLong(m.group(6));
                if (cpu >= 0 && exchanges > 0) {
                    // the responder's whole-process CPU (every thread: a polling lane's spinning counts) per exchange,
                    // over warm-up + measurement (the client's whole run)
                    row.put("cpu_ns_per_exchange", Math.round(cpu / (double) exchanges));
                }
                if (Long.parseLong(m.group(1)) < count) {
                    row.put("note", "time budget reached: " + m.group(1) + " of " + count + " exchanges measured");
                }
                log.printf("    p50 %s µs, p99 %s µs, p99.9 %s µs, %s lost, responder CPU %s ns/exchange%n", m.group(3), m.group(4),
                        m.group(5), m.group(2), row.get("cpu_ns_per_exchange"));
                return row;
            }
        } catch (Exception e) {
            log.println("    " + contender + " FAILED: " + e.getMessage());
            return Row.failed("echo", contender, e.getMessage()).put("placement", placement);
        }
    }

    private static long responderPid(AutoCloseable r) {
        if (r instanceof Spawned s) {
            return s.pid();
        }
        return r instanceof ExpktHost h ? h.pid() : -1;
    }

    private Row ping(Lab lab, String h1, long warm, long count) {
        PrintStream log = ctx.log();
        log.println("  kernel-icmp (ping -i 0)");
        try {
            runPing(h1, warm);
            List<String> out = runPing(h1, count);
            double[] us = out.stream().map(PING_TIME::matcher).filter(Matcher::find)
                    .mapToDouble(m -> Double.parseDouble(m.group(1)) * 1000).toArray();
            Arrays.sort(us);
            if (us.length == 0) {
                throw new BenchException("ping printed no round trip times");
            }
            Row row = new Row("echo", "kernel-icmp").put("placement", "same-cpu").put("frames", us.length)
                    .put("lost", count - us.length).put("p50_us", pct(us, 0.5)).put("p99_us", pct(us, 0.99))
                    .put("p999_us", pct(us, 0.999)).put("warmup", warm)
                    .put("note", "answered in softirq on the client's CPU; ping prints µs resolution");
            log.printf("    p50 %.1f µs, p99 %.1f µs, p99.9 %.1f µs%n", pct(us, 0.5), pct(us, 0.99), pct(us, 0.999));
            return row;
        } catch (RuntimeException e) {
            return Row.failed("echo", "kernel-icmp", e.getMessage()).put("placement", "same-cpu");
        }
    }

    private List<String> runPing(String ns, long count) {
        List<String> lines = new ArrayList<>();
        try (Spawned p = Spawned.start("ping", ns, 0, List.of("ping", "-i", "0", "-c", Long.toString(count), "-W", "1",
                "10.99.0.2"), null)) {
            p.await(Pattern.compile("packets transmitted"), false, 600_000);
            p.waitFor(10_000);
            String t = p.tail();
            lines.addAll(pingLines(p));
            if (lines.isEmpty()) {
                throw new BenchException("ping gave no output: " + t);
            }
        }
        return lines;
    }

    private static List<String> pingLines(Spawned p) {
        return p.transcriptLines();
    }

    static double pct(double[] sorted, double p) {
        return Math.round(sorted[(int) Math.round(p * (sorted.length - 1))] * 100) / 100.0;
    }
}
