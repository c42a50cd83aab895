package expkt.bench;

import expkt.lab.Lab;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code ./expkt bench [--quick]}: builds the labs, runs every contender on the same traffic in the
 * same run, and writes the table (bench/results/latest.json + latest.md, dated copies, and stdout).
 *
 * <p>Options: {@code --quick} (short bursts, ~1-2 minutes: keeps the harness from rotting, figures
 * rough), {@code --profile} (a JFR recording of every expkt host run, under {@code <out>/profiles}),
 * {@code --out <dir>} (default {@code <bench home>/results}), {@code --only w1,w2} (a subset of
 * rx64, rx1514, rx64-napi, tx64, echo, upgrade, upgrade-provider, alloc, fanout, forward). System properties: {@code expkt.bench.home}
 * (the bench/ directory: C sources, sink bundle), {@code expkt.bench.hostJar} (the host jar, default
 * cnf/target/*.jar), {@code expkt.bench.libpcap}.
 *
 * <p>Never a made-up number: a contender that cannot run is a row with {@code status: not-run} and
 * the reason; one that failed has {@code status: failed} and the error.
 */
public final class Bench {
    static final List<String> WORKLOADS = List.of("rx64", "rx1514", "rx64-napi", "tx64", "echo", "upgrade", ProviderUpgradeBench.WORKLOAD, "alloc", "fanout",
            "forward");

    /** What every workload needs. */
    record Context(boolean quick, PrintStream log, Native natives, Path work, Path benchHome, String classpath,
                   String libpcap) {
    }

    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        List<Row> rows = run(args, System.out);
        System.exit(rows.stream().anyMatch(r -> "failed".equals(r.get("status"))) ? 3 : 0);
    }

    /** Runs the benchmark; returns the rows it wrote. */
    static List<Row> run(String[] args, PrintStream log) throws IOException {
        boolean quick = false;
        boolean profile = false;
        Path benchHome = Path.of(System.getProperty("expkt.bench.home", "bench")).toAbsolutePath().normalize();
        Path out = null;
        Set<String> only = new LinkedHashSet<>(WORKLOADS);
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--profile" -> profile = true;
                case "--out" -> out = Path.of(arg(args, ++i, "--out"));
                case "--only" -> {
                    only.clear();
                    for (String w : arg(args, ++i, "--only").split(",")) {
                        if (!WORKLOADS.contains(w)) {
                            throw new IllegalArgumentException("unknown workload \"" + w + "\"; known: " + WORKLOADS);
                        }
                        only.add(w);
                    }
                }
                default -> throw new IllegalArgumentException("unknown option \"" + args[i]
                        + "\"; usage: bench [--quick] [--profile] [--out <dir>] [--only " + String.join(",", WORKLOADS) + "]");
            }
        }
        if (out == null) {
            out = benchHome.resolve("results");
        }
        ExpktHost.PROFILE_DIR = profile ? Files.createDirectories(out.resolve("profiles")) : null;
        if (!Files.isDirectory(benchHome.resolve("c"))) {
            throw new IllegalArgumentException("bench home " + benchHome + " has no c/ directory (set -Dexpkt.bench.home)");
        }
        if (Runtime.getRuntime().availableProcessors() < 2) {
            log.println("warning: fewer than 2 CPUs; generator and receiver share one");
        }
        ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
        String date = now.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        String stamp = now.format(DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HHmm'Z'")) + (quick ? "-quick" : "");
        Map<String, Object> machine = Report.machine();
        log.println("expkt bench " + (quick ? "--quick " : "") + "on " + Json.write(machine));
        Lab.cleanStale();
        Path work = Files.createTempDirectory("expkt-bench-");
        long t0 = System.nanoTime();
        List<Row> rows = new ArrayList<>();
        try {
            Native natives = Native.build(benchHome.resolve("c"), work.resolve("bin"));
            Context ctx = new Context(quick, log, natives, work, benchHome, classpath(),
                    System.getProperty("expkt.bench.libpcap", "/usr/lib/x86_64-linux-gnu/libpcap.so.0.8"));
            for (String w : only) {
                try {
                    switch (w) {
                        case "rx64", "rx1514", "rx64-napi" -> rows.addAll(new RxBench(ctx).run(w));
                        case "tx64" -> rows.addAll(new TxBench(ctx).run());
                        case "echo" -> rows.addAll(new EchoBench(ctx).run());
                        case "upgrade" -> rows.add(new ExpktOnlyBench(ctx).upgrade());
                        case ProviderUpgradeBench.WORKLOAD -> rows.add(new ProviderUpgradeBench(ctx).run());
                        case "alloc" -> rows.add(new ExpktOnlyBench(ctx).alloc());
                        case "fanout" -> rows.addAll(new FanoutBench(ctx).run());
                        case "forward" -> rows.addAll(new ForwardBench(ctx).run());
                        default -> throw new IllegalStateException(w);
                    }
                } catch (RuntimeException e) {
                    log.println("  workload " + w + " FAILED: " + e);
                    rows.add(Row.failed(w, "all", e.toString()));
                }
            }
        } finally {
            deleteTree(work);
        }
        Report.addRatios(rows);
        for (Row r : rows) {
            r.put("date", date).put("machine", machine);
        }
        List<String> targets = Report.targets(rows);
        String md = Report.markdown(rows, machine, date, quick, targets)
                + String.format("%nWall time of the run: %.0f s.%n", (System.nanoTime() - t0) / 1e9);
        Report.write(out, rows, md, stamp);
        log.println();
        log.println(md);
        log.println("written: " + out.resolve("latest.json") + ", " + out.resolve("latest.md"));
        return rows;
    }

    private static String arg(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    /** The class path for the pcap4j contender's own JVM: this harness's classes and its runtime dependencies. */
    static String classpath() throws IOException {
        String file = System.getProperty("expkt.bench.classpathFile");
        String own = System.getProperty("expkt.bench.classpath");
        if (file != null && Files.isRegularFile(Path.of(file))) {
            String deps = Files.readString(Path.of(file)).strip();
            return (own != null ? own + ":" : "") + deps;
        }
        return System.getProperty("java.class.path");
    }

    private static void deleteTree(Path dir) {
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp directory left behind is harmless
        }
    }
}
