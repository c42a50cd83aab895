package expkt.bench;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;
import java.util.function.Supplier;

/**
 * The receive workloads ({@code rx64}, {@code rx1514}: setup A; {@code rx64-napi}: setup B). Each
 * contender runs alone on the receive side, pinned to the receiver CPU, and sees the same traffic:
 * a warm-up burst (so the JIT has compiled the JVM contenders' paths), then the measured burst. The
 * contender's counters and its whole process's CPU time are read after each burst has drained, so
 * the measured window holds exactly the measured burst.
 */
final class RxBench {
    static final int RX_CPU = 1;
    static final int GEN_CPU = 0;
    private final Bench.Context ctx;

    RxBench(Bench.Context ctx) {
        this.ctx = ctx;
    }

    List<Row> run(String workload) {
        int length = workload.equals("rx1514") ? 1514 : 60;
        boolean napi = workload.equals("rx64-napi");
        List<Row> rows = new ArrayList<>();
        PrintStream log = ctx.log();
        log.printf("%n== %s: %d-byte frames, %s%n", workload, length, napi ? "setup B (threaded NAPI pinned to the receiver's CPU)" : "setup A (plain veth)");
        if (napi && !onPath("ethtool")) {
            String reason = "setup B needs ethtool (apt-get install ethtool) to turn GRO on, so the veth gets a NAPI instance";
            for (String c : List.of("c-ring", "tcpdump", "pcap4j", "expkt", "expkt-whiteboard")) {
                rows.add(Row.notRun(workload, c, reason));
            }
            return rows;
        }
        try (RxSetup setup = napi ? RxSetup.threadedNapi(RX_CPU, log) : RxSetup.plain()) {
            Generator gen = napi
                    ? new Generator.TxRing(ctx.natives(), setup.host, "veth0", length, GEN_CPU, log)
                    : new Generator.Trafgen(setup.host, "veth0", setup.hostMac, length, GEN_CPU, ctx.work(), log);
            long warm = ctx.quick() ? 40_000 : 400_000;
            long measured = length > 1000 ? (ctx.quick() ? 100_000 : 1_000_000) : (ctx.quick() ? 200_000 : 2_000_000);

            // the generator's own top rate, nobody listening
            log.println("  generator alone");
            Generator.Burst top = gen.send(measured);
            rows.add(new Row(workload, gen.name()).put("role", "generator").put("frames", top.frames())
                    .put("pps", round(top.pps())));

            Map<String, Supplier<Receiver>> contenders = new LinkedHashMap<>();
            contenders.put("c-ring", () -> new Receiver.LineCounting(
                    Spawned.start("c-ring", setup.sw, RX_CPU, List.of(ctx.natives().path("cring"), "p1"), log)));
            contenders.put("tcpdump", () -> new Receiver.Tcpdump(
                    Spawned.start("tcpdump", setup.sw, RX_CPU, List.of("tcpdump", "-i", "p1", "-nn", "-B", "4096",
                            "-w", "/dev/null", Pcap4jReader.FILTER), log)));
            contenders.put("pcap4j", () -> new Receiver.LineCounting(
                    Spawned.start("pcap4j", setup.sw, RX_CPU, pcap4jCommand(), log), "java"));
            java.util.Optional<String> noHost = ExpktHost.unavailable(ctx.benchHome());
            if (noHost.isEmpty()) {
                contenders.put("expkt", () -> ExpktHost.start(ctx.benchHome(), ctx.work(), setup.sw, RX_CPU,
                        Map.of("expkt.bench.mode", "sink"), log).asReceiver());
                contenders.put("expkt-whiteboard", () -> ExpktHost.start(ctx.benchHome(), ctx.work(), setup.sw, RX_CPU,
                        Map.of("expkt.bench.mode", "whiteboard"), log).asReceiver());
            }
            // Rounds go through every contender in turn, so a burst of load from elsewhere on a shared
            // machine spreads over all of them instead of hitting one; the median round is reported.
            int rounds = ctx.quick() ? 1 : 3;
            Map<String, List<Row>> runs = new LinkedHashMap<>();
            for (int round = 1; round <= rounds; round++) {
                for (Map.Entry<String, Supplier<Receiver>> c : contenders.entrySet()) {
                    runs.computeIfAbsent(c.getKey(), k -> new ArrayList<>())
                            .add(measure(workload, c.getKey(), gen, warm, measured, c.getValue()));
                }
            }
            runs.values().forEach(r -> rows.add(median(r)));
            noHost.ifPresent(reason -> {
                rows.add(Row.notRun(workload, "expkt", reason));
                rows.add(Row.notRun(workload, "expkt-whiteboard", reason));
            });
        }
        return rows;
    }

    private List<String> pcap4jCommand() {
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC",
                "-Dorg.pcap4j.core.pcapLibName=" + ctx.libpcap(), "-cp", ctx.classpath(),
                Pcap4jReader.class.getName(), "p1");
    }

    /**
     * The round with the median CPU per frame; with more than one round, every round's CPU per frame
     * and kernel drops are kept beside it.
     */
    static Row median(List<Row> runs) {
        List<Row> ok = runs.stream().filter(Row::ran).sorted(Comparator.comparingDouble(r -> r.num("ns_per_frame"))).toList();
        if (ok.isEmpty()) {
            return runs.get(0);
        }
        Row m = ok.get(ok.size() / 2);
        if (runs.size() > 1) {
            m.put("rounds", runs.size());
            m.put("ns_per_frame_rounds", runs.stream().filter(Row::ran).map(r -> r.get("ns_per_frame")).toList());
            m.put("kdrops_rounds", runs.stream().filter(Row::ran).map(r -> r.get("kdrops")).toList());
            if (ok.size() < runs.size()) {
                m.put("failed_rounds", runs.size() - ok.size());
            }
        }
        return m;
    }

    /** One contender, alone: warm-up burst, then the measured burst; counters and CPU around it. */
    private Row measure(String workload, String contender, Generator gen, long warm, long measured,
                        Supplier<Receiver> start) {
        PrintStream log = ctx.log();
        log.println("  " + contender);
        try (Receiver r = start.get()) {
            gen.send(warm);
            Receiver.Counts s1 = settle(r, warm / 2);
            java.util.Map<String, Long> threads1 = Cpu.byThread(r.pid());
            long cpu1 = Cpu.processNs(r.pid());
            long hot1 = r.hotThread() == null ? 0 : Cpu.threadsNs(r.pid(), r.hotThread());
            Generator.Burst b = gen.send(measured);
            Receiver.Counts s2 = settle(r, (warm + measured) / 2);
            long cpu2 = Cpu.processNs(r.pid());
            long hot2 = r.hotThread() == null ? 0 : Cpu.threadsNs(r.pid(), r.hotThread());
            java.util.Map<String, Long> threads2 = Cpu.byThread(r.pid());
            long frames = s2.frames() - s1.frames();
            if (frames <= 0) {
                throw new BenchException("received no frame of the measured burst (" + b.frames() / 2 + " matching frames sent)");
            }
            // a contender that cannot tell its kernel drops says -1: no figure then, not 0
            Long drops = s2.drops() < 0 ? null : s2.drops() - s1.drops();
            long expected = b.frames() / 2;
            Row row = new Row(workload, contender).put("frames", frames).put("kdrops", drops)
                    .put("delivered_frac", round4((double) frames / expected))
                    .put("ns_per_frame", frames > 0 ? round((cpu2 - cpu1) / (double) frames) : null)
                    .put("pps", round(frames * 1e9 / b.nanos()))
                    .put("offered_pps", round(b.pps())).put("generator", gen.name())
                    .put("cpu_ms", round((cpu2 - cpu1) / 1e6));
            if (r.hotThread() != null && frames > 0) {
                // the receiving thread alone (the JVM's JIT, GC and housekeeping threads left out)
                row.put("thread_ns_per_frame", round((hot2 - hot1) / (double) frames)).put("thread", r.hotThread());
            }
            row.put("expected", expected);
            if (threads1.size() > 1 && frames > 0) {
                // every thread's share of the whole-process figure (JIT, GC, FileInstall, status writers...)
                row.put("threads_ns_per_frame", Cpu.perFrame(threads1, threads2, frames));
                log.println("    per thread (ns/frame): " + row.get("threads_ns_per_frame"));
            }
            log.printf("    %s: %d of %d frames, %d kernel drops, %.1f ns/frame%n", contender, frames, expected, drops,
                    frames > 0 ? (cpu2 - cpu1) / (double) frames : Double.NaN);
            return row;
        } catch (RuntimeException e) {
            log.println("    " + contender + " FAILED: " + e.getMessage());
            return Row.failed(workload, contender, e.getMessage());
        }
    }

    /**
     * Waits until the receiver has accounted for every matching frame sent so far (taken or dropped),
     * or its count has stopped moving for 1.5 s (a V3 block timeout, tcpdump's is 1 s, can hold the
     * last frames back that long).
     */
    static Receiver.Counts settle(Receiver r, long expectedTotal) {
        long deadline = System.currentTimeMillis() + 8_000;
        Receiver.Counts last = r.snapshot();
        long stableSince = System.currentTimeMillis();
        while (System.currentTimeMillis() < deadline) {
            if (last.frames() + Math.max(0, last.drops()) >= expectedTotal) {
                return last;
            }
            ExpktHost.sleep(100);
            Receiver.Counts now = r.snapshot();
            if (now.frames() != last.frames() || now.drops() != last.drops()) {
                stableSince = System.currentTimeMillis();
            } else if (System.currentTimeMillis() - stableSince > 1_500) {
                return now;
            }
            last = now;
        }
        return last;
    }

    static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            if (java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }

    static double round4(double v) {
        return Math.round(v * 10_000) / 10_000.0;
    }
}
