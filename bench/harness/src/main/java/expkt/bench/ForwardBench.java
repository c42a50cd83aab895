package expkt.bench;

import expkt.lab.Lab;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The {@code forward} workload: what the punt path costs the data plane. A 2-port lab bridged by
 * {@code br0}; trafgen in h1 (CPU {@value #GEN_CPU}) sends 60-byte frames of ethertype 0x88b5 to h2's
 * MAC, which match no filter; the forwarding rate is what arrives at h2 ({@code rx_packets} of its
 * veth0) per second of the burst. On veth the whole forwarding path runs in the sender's softirq on
 * the sender's CPU, so every packet tap or rule on it shows in this rate; the host runs on the other CPU.
 *
 * <p>Two figures per row: {@code pps}, the forwarded rate (frames at h2 per second of wall time of
 * the burst), and {@code ns_per_frame}, the CPU the forwarding took per forwarded frame: the
 * generator's user + system time (without IRQ time accounting, softirq work done on its way out of
 * the send call, which is the whole forwarding path here, is charged to it) plus what
 * {@code ksoftirqd/0} ran meanwhile (softirq work deferred to it). The rate depends on how much of
 * CPU 0 the generator gets, which on a shared, loaded machine is noise; the CPU per frame much less.
 *
 * <p>Variants, each a row: {@code no-host} (the kernel alone, measured before and after the others:
 * the reference), {@code demo-bundles} (the host with the demo's protocol bundles, protocols/*), {@code
 * 50-filters} (the host with 50 sockets of one non-matching filter each, bench sink mode {@code
 * filters}), and {@code 50-filters-tap} (the same without nftables: the degrade path, where every
 * socket is a packet tap on every port, which is how every filter worked before the punt links; a
 * tenth of the frames per burst, as it forwards an order of magnitude slower).
 * Each row is the median of its bursts ({@code pps_rounds}); {@code ratio_to_no_host} = its rate /
 * the no-host median.
 */
final class ForwardBench {
    static final int GEN_CPU = 0;
    static final int HOST_CPU = 1;
    static final int FILTERS = 50;
    static final int ETHERTYPE = 0x88b5;
    private static final Pattern COMMENT = Pattern.compile("comment \"([^\"]+)\"");
    private final Bench.Context ctx;

    ForwardBench(Bench.Context ctx) {
        this.ctx = ctx;
    }

    List<Row> run() {
        PrintStream log = ctx.log();
        log.printf("%n== forward: 60-byte frames h1 -> br0 -> h2 matching no filter, forwarding rate%n");
        long count = ctx.quick() ? 300_000 : 2_000_000;
        int rounds = ctx.quick() ? 1 : 3;
        List<Row> rows = new ArrayList<>();
        try (Lab lab = Lab.builder().ports(2).bridge(true).build()) {
            String sw = lab.switchNs();
            Burster gen = new Burster(lab);
            gen.send(Math.min(count, 200_000)); // warm-up: the bridge learns h1, caches settle
            List<double[]> noHost = new ArrayList<>(measure(lab, gen, count, rounds));
            Row reference = new Row("forward", "kernel").put("variant", "no-host");
            List<Row> hosted = new ArrayList<>();
            var unavailable = ExpktHost.unavailable(ctx.benchHome());
            List<Path> demo = demoBundles();
            if (unavailable.isPresent()) {
                for (String v : List.of("demo-bundles", "50-filters", "50-filters-tap")) {
                    hosted.add(Row.notRun("forward", "expkt", unavailable.get()).put("variant", v));
                }
            } else {
                hosted.add(demo.isEmpty()
                        ? Row.notRun("forward", "expkt", "no protocol bundle built in protocols/*/target").put("variant", "demo-bundles")
                        : hosted(lab, gen, count, rounds, "demo-bundles", 0, demo, false));
                hosted.add(hosted(lab, gen, count, rounds, "50-filters", FILTERS, List.of(), false));
                hosted.add(hosted(lab, gen, count, rounds, "50-filters-tap", FILTERS, List.of(), true));
            }
            noHost.addAll(measure(lab, gen, count, rounds)); // again after: load from elsewhere shows in both
            double base = median(noHost, 0);
            double baseCpu = median(noHost, 1);
            put(reference, noHost).put("frames", count).put("ratio_to_no_host", 1.0).put("cpu_ratio_to_no_host", 1.0);
            rows.add(reference);
            for (Row r : hosted) {
                if (r.ran() && !Double.isNaN(r.num("pps"))) {
                    r.put("ratio_to_no_host", Math.round(r.num("pps") / base * 1000) / 1000.0);
                    r.put("cpu_ratio_to_no_host", Math.round(r.num("ns_per_frame") / baseCpu * 1000) / 1000.0);
                }
                rows.add(r);
            }
        } catch (RuntimeException e) {
            rows.add(Row.failed("forward", "kernel", e.toString()).put("variant", "no-host"));
        }
        return rows;
    }

    /** One host variant: start it, wait until its filters are in place, measure, stop it. */
    private Row hosted(Lab lab, Burster gen, long count, int rounds, String variant, int filters, List<Path> bundles, boolean tap) {
        ctx.log().println("  expkt (" + variant + ")");
        Map<String, String> props = new java.util.LinkedHashMap<>();
        props.put("expkt.bench.mode", "filters");
        props.put("expkt.bench.filters", Integer.toString(filters));
        if (tap) {
            // the degrade path: the provider finds no nftables (as NftUnavailableTest points it)
            props.put("expkt.nftables.library", "/nonexistent/libnftables.so.1");
            props.put("expkt.nftables.binary", "/nonexistent/nft");
        }
        long[] pid = {-1};
        try (ExpktHost host = ExpktHost.start(ctx.benchHome(), ctx.work(), lab.switchNs(), HOST_CPU, props, true, bundles, ctx.log())) {
            pid[0] = host.pid();
            host.awaitState("ready", 120_000);
            String installed = tap ? "(no nftables: not listed)" : String.join(",", awaitFilters(lab, filters));
            // the tap path forwards an order of magnitude slower: a tenth of the frames keeps its bursts as long as the others'
            List<double[]> m = measure(lab, gen, tap ? Math.max(10_000, count / 10) : count, rounds);
            return put(new Row("forward", "expkt"), m).put("variant", variant).put("frames", tap ? Math.max(10_000, count / 10) : count)
                    .put("note", (tap ? "nftables unavailable (degrade path: per-socket BPF taps); " : "")
                            + (bundles.isEmpty() ? "" : "bundles " + bundles.stream().map(b -> b.getFileName().toString()).toList() + "; ")
                            + (tap ? "" : "filters in the nft table: " + installed));
        } catch (RuntimeException e) {
            return Row.failed("forward", "expkt", e.getMessage()).put("variant", variant);
        } finally {
            // the next variant's host needs the data plane's lock: wait until this one is really gone
            long deadline = System.currentTimeMillis() + 60_000;
            while (pid[0] > 0 && ProcessHandle.of(pid[0]).map(ProcessHandle::isAlive).orElse(false)
                    && System.currentTimeMillis() < deadline) {
                ExpktHost.sleep(100);
            }
        }
    }

    /**
     * Waits until the host's filters are in the nft table: at least {@code min}, and the set unchanged
     * for 2 s (the demo's bundles come up one by one); 60 s at most.
     */
    private Set<String> awaitFilters(Lab lab, int min) {
        long deadline = System.currentTimeMillis() + 60_000;
        Set<String> last = Set.of();
        long stableSince = System.currentTimeMillis();
        while (System.currentTimeMillis() < deadline) {
            Set<String> now = new TreeSet<>();
            var r = lab.exec(lab.switchNs(), "nft", "list", "table", "netdev", "expkt");
            Matcher m = COMMENT.matcher(r.stdout());
            while (m.find()) {
                now.add(m.group(1));
            }
            if (!now.equals(last)) {
                last = now;
                stableSince = System.currentTimeMillis();
            } else if (now.size() >= Math.max(1, min) && System.currentTimeMillis() - stableSince >= 2_000) {
                return now;
            }
            ExpktHost.sleep(200);
        }
        throw new BenchException("the host's filters did not settle in the nft table within 60 s (saw " + last + ")");
    }

    /** {@code rounds} bursts: per burst {forwarded frames per second, CPU ns per forwarded frame}. */
    private List<double[]> measure(Lab lab, Burster gen, long count, int rounds) {
        List<double[]> out = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            long before = rxPackets(lab);
            long[] b = gen.send(count);
            ExpktHost.sleep(200);
            long arrived = rxPackets(lab) - before;
            double pps = arrived * 1e9 / b[0];
            double ns = arrived == 0 ? Double.NaN : (double) b[1] / arrived;
            ctx.log().printf("    forwarded %d of %d frames: %.0f pps, %.1f ns CPU per frame%n", arrived, count, pps, ns);
            out.add(new double[] {pps, ns});
        }
        return out;
    }

    private static Row put(Row r, List<double[]> m) {
        return r.put("pps", RxBench.round(median(m, 0))).put("ns_per_frame", RxBench.round(median(m, 1)))
                .put("pps_rounds", m.stream().map(x -> (long) RxBench.round(x[0])).toList())
                .put("ns_per_frame_rounds", m.stream().map(x -> RxBench.round(x[1])).toList());
    }

    /**
     * trafgen in h1 on CPU {@value #GEN_CPU} under {@code sh}, whose {@code times} gives the
     * generator's user + system time after it exited; plus {@code ksoftirqd/0}'s run time meanwhile.
     */
    private final class Burster {
        private final Lab lab;
        private final Path config;
        private final long ksoftirqd = ksoftirqd();

        Burster(Lab lab) {
            this.lab = lab;
            this.config = ctx.work().resolve("forward.trafgen");
            String src = "0x" + lab.host(1).mac().replace(":", ", 0x");
            String dst = "0x" + lab.host(2).mac().replace(":", ", 0x");
            try {
                Files.writeString(config, "{ " + dst + ", " + src + ", c16(0x" + Integer.toHexString(ETHERTYPE) + "), fill(0x00, 46) }\n");
            } catch (IOException e) {
                throw new BenchException("cannot write " + config + ": " + e.getMessage(), e);
            }
        }

        /** Sends {@code frames}; returns {wall ns of the burst, CPU ns of the forwarding}. */
        long[] send(long frames) {
            long soft0 = runtime(ksoftirqd);
            long t0 = System.nanoTime();
            try (Spawned p = Spawned.start("trafgen", lab.host(1).ns(), GEN_CPU, List.of("sh", "-c",
                    "trafgen -o veth0 -i " + config + " -n " + frames + " -P 1 -Q >/dev/null 2>&1; rc=$?; times; exit $rc"), null)) {
                int rc = p.waitFor(600_000);
                long wall = System.nanoTime() - t0;
                if (rc != 0) {
                    throw new BenchException("trafgen exited with " + rc + ": " + p.tail());
                }
                long soft = runtime(ksoftirqd) - soft0;
                // times: the shell's own user/system, then its children's (trafgen's)
                List<long[]> t = new ArrayList<>();
                for (String line : p.transcriptLines()) {
                    Matcher m = TIMES.matcher(line);
                    if (m.find()) {
                        t.add(new long[] {seconds(m.group(1), m.group(2)), seconds(m.group(3), m.group(4))});
                    }
                }
                if (t.size() < 2) {
                    throw new BenchException("no times output from the generator's shell: " + p.tail());
                }
                long[] children = t.get(t.size() - 1);
                return new long[] {Math.max(1, wall), children[0] + children[1] + soft};
            }
        }
    }

    private static final Pattern TIMES = Pattern.compile("(\\d+)m([\\d.]+)s (\\d+)m([\\d.]+)s");

    private static long seconds(String minutes, String seconds) {
        return Math.round((Long.parseLong(minutes) * 60 + Double.parseDouble(seconds)) * 1e9);
    }

    /** The pid of ksoftirqd/0, or -1. */
    private static long ksoftirqd() {
        return ProcessHandle.allProcesses().filter(ph -> {
            try {
                return Files.readString(Path.of("/proc", Long.toString(ph.pid()), "comm")).strip().equals("ksoftirqd/" + GEN_CPU);
            } catch (IOException | RuntimeException e) {
                return false;
            }
        }).mapToLong(ProcessHandle::pid).findFirst().orElse(-1);
    }

    /** ns a task ran ({@code /proc/<pid>/schedstat}), 0 if unknown. */
    private static long runtime(long pid) {
        if (pid < 0) {
            return 0;
        }
        try {
            return Long.parseLong(Files.readString(Path.of("/proc", Long.toString(pid), "schedstat")).trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static long rxPackets(Lab lab) {
        return Long.parseLong(lab.exec(lab.host(2).ns(), "cat", "/sys/class/net/veth0/statistics/rx_packets").check().stdout().strip());
    }

    /** protocols/{@literal *}/target/*.jar, as {@code ./expkt demo} deploys them. */
    private List<Path> demoBundles() {
        Path protocols = ctx.benchHome().resolve("../protocols").normalize();
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(protocols)) {
            return out;
        }
        try (Stream<Path> dirs = Files.list(protocols)) {
            for (Path d : dirs.sorted().toList()) {
                Path target = d.resolve("target");
                if (!Files.isDirectory(target)) {
                    continue;
                }
                try (Stream<Path> jars = Files.list(target)) {
                    jars.filter(j -> j.getFileName().toString().endsWith(".jar"))
                            .filter(j -> !j.getFileName().toString().contains("-sources") && !j.getFileName().toString().contains("-tests"))
                            .sorted().findFirst().ifPresent(out::add);
                }
            }
        } catch (IOException e) {
            throw new BenchException("cannot list " + protocols + ": " + e.getMessage(), e);
        }
        return out;
    }

    static double median(List<double[]> values, int column) {
        List<Double> s = new ArrayList<>();
        for (double[] v : values) {
            s.add(v[column]);
        }
        s.sort(null);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }
}
