package expkt.bench;

import static expkt.bench.SeqAccounting.num;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The workloads only expkt has: {@code alloc} (bytes allocated per received frame on the
 * dispatcher thread, over a measured burst after warm-up) and {@code upgrade} (the sink bundle is
 * replaced in the deploy directory while a steady stream of numbered frames arrives: which frames were
 * lost, where — a full ring or before any socket — and when against the swap, as the
 * {@code upgrade-provider} row does for the provider: {@link SeqAccounting}).
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

    /** {@code status}'s time {@code key} in ms after {@code zeroNs} (null if the status has no such time). */
    private static Double msAfter(Map<String, String> status, String key, long zeroNs) {
        return status.containsKey(key) ? RxBench.round((num(status, key) - zeroNs) / 1e6) : null;
    }

    Row upgrade() {
        PrintStream log = ctx.log();
        log.printf("%n== upgrade: the sink bundle is replaced under a steady stream of numbered frames%n");
        var noHost = ExpktHost.unavailable(ctx.benchHome());
        if (noHost.isPresent()) {
            return Row.notRun("upgrade", "expkt", noHost.get());
        }
        long frames = ctx.quick() ? 200_000 : 1_000_000;
        try (RxSetup setup = RxSetup.plain();
             ExpktHost host = ExpktHost.start(ctx.benchHome(), ctx.work(), setup.sw, RxBench.RX_CPU,
                     Map.of("expkt.bench.mode", "sink", "expkt.bench.seq", "true"), false, log)) {
            Path hostLog = ctx.work().resolve("run/expkt.log");
            Generator gen = Generator.Trafgen.sequenced(setup.host, "veth0", setup.hostMac, RxBench.GEN_CPU, ctx.work(), log,
                    "100000pps");
            String gen0 = host.status().get("gen");
            var burst = new AtomicReference<Generator.Burst>();
            Thread stream = Thread.ofPlatform().start(() -> burst.set(gen.send(frames)));
            ExpktHost.sleep(frames / 100_000 * 1000 / 3);
            // what was lost before the update began (the host still warming up under the stream), from the
            // sink's status of at most one status period (250 ms) ago
            Map<String, String> atDrop = host.status();
            long dropNs = System.nanoTime();
            host.redeploy();
            stream.join();
            // the old activation's final status says "ready" until the new one writes its own
            Map<String, String> now = host.status();
            long readyDeadline = System.currentTimeMillis() + 30_000;
            while (!("ready".equals(now.get("state")) && !gen0.equals(now.get("gen"))) && System.currentTimeMillis() < readyDeadline) {
                ExpktHost.sleep(50);
                now = host.status();
            }
            if (gen0.equals(now.get("gen"))) {
                return Row.failed("upgrade", "expkt", "the bundle was not updated (same activation " + gen0 + "): "
                        + ProviderUpgradeBench.tail(hostLog));
            }
            if (!"ready".equals(now.get("state"))) {
                return Row.failed("upgrade", "expkt", "the new sink was not ready within 30 s (status " + now + "): "
                        + ProviderUpgradeBench.tail(hostLog));
            }
            if (!"1".equals(now.get("seq_restored"))) {
                return Row.failed("upgrade", "expkt", "the new sink did not take over the old one's sequence accounting (no StateHandover?"
                        + " status " + now + ")");
            }
            List<Map<String, String>> ended = host.generations();
            // the next revision took over the parked socket (fd, ring, drop count: its count goes on from the old
            // socket's), or opened its own (then each activation's socket counted its own drops)
            boolean adopted = Files.readString(hostLog).contains("took over the parked socket");
            long dropsBefore = 0;
            for (Map<String, String> g : ended) {
                dropsBefore += num(g, "drops");
            }
            long sent = burst.get() != null ? burst.get().frames() : frames;
            long expected = (sent + 1) / 2; // the first frame of the config matches: 1, 3, 5, ... of the stream
            now = SeqAccounting.settle(host, expected, adopted ? 0 : dropsBefore);
            long received = num(now, "frames");
            for (Map<String, String> g : ended) {
                received += num(g, "frames");
            }
            long ringDrops = num(now, "drops") + (adopted ? 0 : dropsBefore);
            Map<String, String> old = ended.get(ended.size() - 1);
            double swapMs = (num(now, "ready_ns") - num(old, "stopped_ns")) / 1e6;
            Row row = new Row("upgrade", "expkt").put("frames", received).put("expected", expected);
            SeqAccounting.put(row, now, atDrop, expected, ringDrops, dropNs);
            // the swap against the gaps (SeqAccounting: ms after the jar's drop), step by step: the old activation's
            // deactivate began (swap_from), its socket was closed (parked), its accounting saved (StateHandover); the
            // new revision's constructor was entered (its class loaded, its references bound by SCR), its socket
            // opened, its filter set up (the parked socket adopted), its callback set (swap_to: ready)
            row.put("swap_ms", RxBench.round(swapMs)).put("pps", 100_000)
                    .put("offered_pps", burst.get() != null ? Math.round(burst.get().pps()) : null)
                    .put("socket_adopted", adopted ? 1L : 0L)
                    .put("swap_from_ms", msAfter(old, "stopped_ns", dropNs))
                    .put("old_closed_ms", msAfter(old, "closed_ns", dropNs))
                    .put("old_saved_ms", msAfter(old, "saved_ns", dropNs))
                    .put("new_activated_ms", msAfter(now, "activated_ns", dropNs))
                    .put("new_opened_ms", msAfter(now, "opened_ns", dropNs))
                    .put("new_adopted_ms", msAfter(now, "filter_ns", dropNs))
                    .put("swap_to_ms", msAfter(now, "ready_ns", dropNs));
            if (adopted) {
                // frames the parked ring dropped between the old socket's close and the adoption
                row.put("ring_drops_parked", num(now, "drops_at_open") - num(old, "drops"));
            }
            return row.put("note", "lost = matching frames sent - distinct sequence numbers received by every activation of the sink"
                    + " = ring_drops (the socket's PACKET_STATISTICS drops) + lost_in_swap (never reached a socket); "
                    + "times in ms after the sink's jar was dropped");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Row.failed("upgrade", "expkt", "interrupted");
        } catch (IOException | RuntimeException e) {
            return Row.failed("upgrade", "expkt", e.getMessage());
        }
    }
}
