package expkt.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code fanout} workload: one whiteboard handler that is slower than the offered traffic (busy
 * work per frame), on 1 and on 2 fanout lanes ({@code expkt.handler.lanes}), in setup B (threaded NAPI
 * pinned to the receiver CPU, where a slow receiver drops). The generator (c-txring, CPU 0) sends
 * 60-byte frames, half of them IPv4/UDP of {@value #FLOWS} flows that the handler's filter takes;
 * the host is not pinned (its lanes may use both CPUs: on 2 vCPUs the generator and the NAPI kthread
 * share them, so the gain is bounded). Reported per lane count: frames delivered, {@code lost} =
 * matching frames sent - delivered (the handler API shows no kernel drops; nothing but the full
 * rings loses frames here), delivered rate, and the host's CPU per delivered frame.
 */
final class FanoutBench {
    static final int FLOWS = 256;
    /** Busy work per frame of the slow handler: ~100 k frames/s per lane at most. */
    static final long WORK_NS = 10_000;
    private final Bench.Context ctx;

    FanoutBench(Bench.Context ctx) {
        this.ctx = ctx;
    }

    List<Row> run() {
        PrintStream log = ctx.log();
        log.printf("%n== fanout: a slow handler (%d ns per frame) on 1 and 2 lanes, %d flows, setup B%n", WORK_NS, FLOWS);
        List<Row> rows = new ArrayList<>();
        if (!RxBench.onPath("ethtool")) {
            for (String v : List.of("1 lane", "2 lanes")) {
                rows.add(Row.notRun("fanout", "expkt-whiteboard", "setup B needs ethtool (apt-get install ethtool)").put("variant", v));
            }
            return rows;
        }
        java.util.Optional<String> noHost = ExpktHost.unavailable(ctx.benchHome());
        if (noHost.isPresent()) {
            for (String v : List.of("1 lane", "2 lanes")) {
                rows.add(Row.notRun("fanout", "expkt-whiteboard", noHost.get()).put("variant", v));
            }
            return rows;
        }
        try (RxSetup setup = RxSetup.threadedNapi(RxBench.RX_CPU, log)) {
            Generator gen = new Generator.TxRing(ctx.natives(), setup.host, "veth0", 60, RxBench.GEN_CPU, FLOWS, log);
            long warm = ctx.quick() ? 40_000 : 200_000;
            long measured = ctx.quick() ? 200_000 : 1_000_000;
            for (int lanes : new int[] {1, 2}) {
                rows.add(measure(setup, gen, lanes, warm, measured));
            }
        }
        return rows;
    }

    private Row measure(RxSetup setup, Generator gen, int lanes, long warm, long measured) {
        PrintStream log = ctx.log();
        String variant = lanes == 1 ? "1 lane" : lanes + " lanes";
        log.println("  expkt-whiteboard, " + variant);
        try (ExpktHost host = ExpktHost.start(ctx.benchHome(), ctx.work(), setup.sw, -1,
                Map.of("expkt.bench.mode", "fanout", "expkt.bench.lanes", Integer.toString(lanes),
                        "expkt.bench.work.ns", Long.toString(WORK_NS)), log)) {
            Receiver r = host.asReceiver();
            gen.send(warm);
            Receiver.Counts s1 = RxBench.settle(r, warm / 2);
            long cpu1 = Cpu.processNs(r.pid());
            Generator.Burst b = gen.send(measured);
            Receiver.Counts s2 = RxBench.settle(r, s1.frames() + measured / 2);
            long cpu2 = Cpu.processNs(r.pid());
            long frames = s2.frames() - s1.frames();
            long expected = b.frames() / 2;
            if (frames <= 0) {
                throw new BenchException("received no frame of the measured burst (" + expected + " matching frames sent)");
            }
            Row row = new Row("fanout", "expkt-whiteboard").put("variant", variant).put("frames", frames).put("expected", expected)
                    .put("lost", expected - frames).put("delivered_frac", RxBench.round4((double) frames / expected))
                    .put("pps", RxBench.round(frames * 1e9 / b.nanos())).put("offered_pps", RxBench.round(b.pps() / 2))
                    .put("ns_per_frame", RxBench.round((cpu2 - cpu1) / (double) frames)).put("cpu_ms", RxBench.round((cpu2 - cpu1) / 1e6))
                    .put("generator", gen.name());
            log.printf("    %s: %d of %d frames (%d lost), %.0f delivered/s of %.0f offered, %.1f ns CPU/frame%n", variant, frames,
                    expected, expected - frames, frames * 1e9 / b.nanos(), b.pps() / 2, (cpu2 - cpu1) / (double) frames);
            return row;
        } catch (RuntimeException e) {
            log.println("    " + variant + " FAILED: " + e.getMessage());
            return Row.failed("fanout", "expkt-whiteboard", e.getMessage()).put("variant", variant);
        }
    }
}
