package expkt.bench;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/**
 * The workloads only expkt has: {@code alloc} (bytes allocated per received frame on the
 * dispatcher thread, over a measured burst after warm-up) and {@code upgrade} (the sink bundle is
 * replaced in the deploy directory while a steady stream arrives: frames lost, time to swap).
 */
final class ExpktOnlyBench {
    private final Bench.Context ctx;

    ExpktOnlyBench(Bench.Context ctx) {
        this.ctx = ctx;
    }

    Row alloc() {
        PrintStream log = ctx.log();
        log.printf("%n== alloc: bytes allocated per received frame on the expkt path%n");
        var noHost = ExpktHost.unavailable(ctx.benchHome());
        if (noHost.isPresent()) {
            return Row.notRun("alloc", "expkt", noHost.get());
        }
        try (RxSetup setup = RxSetup.plain();
             ExpktHost host = ExpktHost.start(ctx.benchHome(), ctx.work(), setup.sw, RxBench.RX_CPU,
                     Map.of("expkt.bench.mode", "sink", "expkt.bench.alloc", "true"), log)) {
            Generator gen = new Generator.Trafgen(setup.host, "veth0", setup.hostMac, 60, RxBench.GEN_CPU, ctx.work(), log);
            long warm = ctx.quick() ? 40_000 : 400_000;
            long measured = ctx.quick() ? 200_000 : 2_000_000;
            gen.send(warm);
            RxBench.settle(host.asReceiver(), warm / 2);
            Map<String, String> s1 = host.status();
            gen.send(measured);
            RxBench.settle(host.asReceiver(), (warm + measured) / 2);
            Map<String, String> s2 = host.status();
            long frames = Long.parseLong(s2.get("frames")) - Long.parseLong(s1.get("frames"));
            long a1 = Long.parseLong(s1.getOrDefault("alloc", "-1"));
            long a2 = Long.parseLong(s2.getOrDefault("alloc", "-1"));
            if (a1 < 0 || a2 < 0) {
                return Row.failed("alloc", "expkt", "the JVM did not report the dispatcher thread's allocation");
            }
            return new Row("alloc", "expkt").put("frames", frames).put("allocated_bytes", a2 - a1)
                    .put("bytes_per_frame", frames > 0 ? RxBench.round4((a2 - a1) / (double) frames) : null)
                    .put("note", "ThreadMXBean getThreadAllocatedBytes of the dispatcher thread, whole window");
        } catch (RuntimeException e) {
            return Row.failed("alloc", "expkt", e.getMessage());
        }
    }

    Row upgrade() {
        PrintStream log = ctx.log();
        log.printf("%n== upgrade: the sink bundle is replaced under a steady stream%n");
        var noHost = ExpktHost.unavailable(ctx.benchHome());
        if (noHost.isPresent()) {
            return Row.notRun("upgrade", "expkt", noHost.get());
        }
        long frames = ctx.quick() ? 200_000 : 1_000_000;
        try (RxSetup setup = RxSetup.plain();
             ExpktHost host = ExpktHost.start(ctx.benchHome(), ctx.work(), setup.sw, RxBench.RX_CPU,
                     Map.of("expkt.bench.mode", "sink"), false, log)) {
            Generator gen = new Generator.Trafgen(setup.host, "veth0", setup.hostMac, 60, RxBench.GEN_CPU, ctx.work(), log,
                    "100000pps");
            String gen0 = host.status().get("gen");
            Thread stream = Thread.ofPlatform().start(() -> gen.send(frames));
            ExpktHost.sleep(frames / 100_000 * 1000 / 3);
            host.redeploy();
            stream.join();
            Map<String, String> now = host.awaitState("ready", 10_000);
            if (gen0.equals(now.get("gen"))) {
                return Row.failed("upgrade", "expkt", "the bundle was not updated (same activation " + gen0 + ")");
            }
            ExpktHost.sleep(1500);
            now = host.status();
            List<Map<String, String>> ended = host.generations();
            long received = Long.parseLong(now.get("frames"));
            for (Map<String, String> g : ended) {
                received += Long.parseLong(g.get("frames"));
            }
            long expected = frames / 2;
            Map<String, String> old = ended.get(ended.size() - 1);
            double swapMs = (Long.parseLong(now.get("ready_ns")) - Long.parseLong(old.get("stopped_ns"))) / 1e6;
            return new Row("upgrade", "expkt").put("frames", received).put("expected", expected)
                    .put("lost", expected - received).put("swap_ms", RxBench.round(swapMs)).put("pps", 100_000)
                    .put("note", "lost = matching frames sent - frames taken by every activation of the sink");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Row.failed("upgrade", "expkt", "interrupted");
        } catch (RuntimeException e) {
            return Row.failed("upgrade", "expkt", e.getMessage());
        }
    }
}
