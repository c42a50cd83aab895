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
 * <p>Variants, each a row: {@code no-host} (the kernel alone, measured before and after the others:
 * the reference), {@code demo-bundles} (the host with the demo's protocol bundles, protocols/*), {@code
 * 50-filters} (the host with 50 sockets of one non-matching filter each, bench sink mode {@code
 * filters}), and {@code 50-filters-tap} (the same without nftables: the degrade path, where every
 * socket is a packet tap on every port, which is how every filter worked before the punt links).
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
            Generator gen = new Generator.Trafgen(lab.host(1).ns(), "veth0", lab.host(1).mac(), lab.host(2).mac(),
                    new int[] {ETHERTYPE}, 60, GEN_CPU, ctx.work(), log, null);
            gen.send(Math.min(count, 200_000)); // warm-up: the bridge learns h1, caches settle
            List<Double> noHost = new ArrayList<>(measure(lab, gen, count, rounds));
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
            double base = median(noHost);
            reference.put("frames", count).put("pps", RxBench.round(base)).put("pps_rounds", roundAll(noHost)).put("ratio_to_no_host", 1.0);
            rows.add(reference);
            for (Row r : hosted) {
                if (r.ran() && !Double.isNaN(r.num("pps"))) {
                    r.put("ratio_to_no_host", Math.round(r.num("pps") / base * 1000) / 1000.0);
                }
                rows.add(r);
            }
        } catch (RuntimeException e) {
            rows.add(Row.failed("forward", "kernel", e.toString()).put("variant", "no-host"));
        }
        return rows;
    }

    /** One host variant: start it, wait until its filters are in place, measure, stop it. */
    private Row hosted(Lab lab, Generator gen, long count, int rounds, String variant, int filters, List<Path> bundles, boolean tap) {
        ctx.log().println("  expkt (" + variant + ")");
        Map<String, String> props = new java.util.LinkedHashMap<>();
        props.put("expkt.bench.mode", "filters");
        props.put("expkt.bench.filters", Integer.toString(filters));
        if (tap) {
            // the degrade path: the provider finds no nftables (as NftUnavailableTest points it)
            props.put("expkt.nftables.library", "/nonexistent/libnftables.so.1");
            props.put("expkt.nftables.binary", "/nonexistent/nft");
        }
        try (ExpktHost host = ExpktHost.start(ctx.benchHome(), ctx.work(), lab.switchNs(), HOST_CPU, props, true, bundles, ctx.log())) {
            host.awaitState("ready", 120_000);
            String installed = tap ? "(no nftables: not listed)" : String.join(",", awaitFilters(lab, filters));
            List<Double> pps = measure(lab, gen, count, rounds);
            return new Row("forward", "expkt").put("variant", variant).put("frames", count).put("pps", RxBench.round(median(pps)))
                    .put("pps_rounds", roundAll(pps))
                    .put("note", (tap ? "nftables unavailable (degrade path: per-socket BPF taps); " : "")
                            + (bundles.isEmpty() ? "" : "bundles " + bundles.stream().map(b -> b.getFileName().toString()).toList() + "; ")
                            + (tap ? "" : "filters in the nft table: " + installed));
        } catch (RuntimeException e) {
            return Row.failed("forward", "expkt", e.getMessage()).put("variant", variant);
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

    /** {@code rounds} bursts: the forwarded rate of each (frames that arrived at h2 per second of the burst). */
    private List<Double> measure(Lab lab, Generator gen, long count, int rounds) {
        List<Double> out = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            long before = rxPackets(lab);
            Generator.Burst b = gen.send(count);
            ExpktHost.sleep(200);
            long arrived = rxPackets(lab) - before;
            double pps = arrived * 1e9 / b.nanos();
            ctx.log().printf("    forwarded %d of %d frames: %.0f pps%n", arrived, b.frames(), pps);
            out.add(pps);
        }
        return out;
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

    static double median(List<Double> values) {
        List<Double> s = new ArrayList<>(values);
        s.sort(null);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    private static List<Long> roundAll(List<Double> values) {
        return values.stream().map(v -> (long) RxBench.round(v)).toList();
    }
}
