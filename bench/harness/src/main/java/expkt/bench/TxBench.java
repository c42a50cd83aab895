package expkt.bench;

import expkt.lab.Lab;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The send workload ({@code tx64}): 60-byte frames sent from switch port p1 (sender on CPU 1), counted
 * on the far side ({@code rx_packets} of h1's veth0), so a frame the kernel took but never delivered
 * does not count. trafgen (TX ring, qdisc bypassed) is the bar; the C TX ring through the qdisc is
 * shown for reference.
 */
final class TxBench {
    static final int TX_CPU = 1;
    private final Bench.Context ctx;

    TxBench(Bench.Context ctx) {
        this.ctx = ctx;
    }

    List<Row> run() {
        PrintStream log = ctx.log();
        log.printf("%n== tx64: 60-byte frames out of p1, counted on the far side%n");
        long count = ctx.quick() ? 200_000 : 2_000_000;
        List<Row> rows = new ArrayList<>();
        try (Lab lab = Lab.builder().ports(1).build()) {
            String sw = lab.switchNs();
            rows.add(counted(lab, "trafgen", null, new Generator.Trafgen(sw, "p1", lab.host(1).switchMac(), 60, TX_CPU,
                    ctx.work(), log), count));
            rows.add(counted(lab, "c-txring", "TPACKET_V2 TX ring through the qdisc",
                    new Generator.TxRing(ctx.natives(), sw, "p1", 60, TX_CPU, log), count));
            var noHost = ExpktHost.unavailable(ctx.benchHome());
            if (noHost.isPresent()) {
                rows.add(Row.notRun("tx64", "expkt", noHost.get()).put("variant", "sendto"));
                rows.add(Row.notRun("tx64", "expkt", noHost.get()).put("variant", "batched"));
                rows.add(Row.notRun("tx64", "expkt", noHost.get()).put("variant", "claim"));
            } else {
                rows.add(expktSend(lab, sw, count, 1, false));
                rows.add(expktSend(lab, sw, count, BATCH, false));
                rows.add(expktSend(lab, sw, count, BATCH, true));
            }
        }
        return rows;
    }

    private Row counted(Lab lab, String contender, String note, Generator gen, long count) {
        ctx.log().println("  " + contender);
        try {
            long before = rxPackets(lab);
            Generator.Burst b = gen.send(count);
            ExpktHost.sleep(200);
            long arrived = rxPackets(lab) - before;
            return new Row("tx64", contender).put("frames", arrived).put("sent", b.frames())
                    .put("pps", RxBench.round(arrived * 1e9 / b.nanos())).put("note", note);
        } catch (RuntimeException e) {
            return Row.failed("tx64", contender, e.getMessage());
        }
    }

    /** Frames per {@code sendBurst} in the batched variant (one sendmmsg of 64, as measured in performance.md). */
    static final int BATCH = 64;

    /** {@code claim}: frames built in place with tryClaim (a flush per {@code batch}), else sendto / sendBurst. */
    private Row expktSend(Lab lab, String sw, long count, int batch, boolean claim) {
        String variant = claim ? "claim" : batch > 1 ? "batched" : "sendto";
        ctx.log().println("  expkt (" + (claim ? "tryClaim, a flush per " + batch : batch > 1 ? "sendBurst of " + batch
                : "one sendto per frame") + ")");
        long before = rxPackets(lab);
        try (ExpktHost host = ExpktHost.start(ctx.benchHome(), ctx.work(), sw, TX_CPU, Map.of("expkt.bench.mode", "tx",
                "expkt.bench.tx.count", Long.toString(count), "expkt.bench.tx.port", "1:1",
                "expkt.bench.tx.delayMs", "1000", "expkt.bench.tx.batch", Integer.toString(batch),
                "expkt.bench.tx.claim", Boolean.toString(claim)), ctx.log())) {
            Map<String, String> s = host.awaitState("done|failed", 300_000);
            if (!"done".equals(s.get("state"))) {
                return Row.failed("tx64", "expkt", "the sender said " + s).put("variant", variant);
            }
            ExpktHost.sleep(200);
            long arrived = rxPackets(lab) - before;
            long ns = Long.parseLong(s.get("ns"));
            return new Row("tx64", "expkt").put("variant", variant).put("frames", arrived)
                    .put("sent", Long.parseLong(s.get("sent"))).put("pps", RxBench.round(arrived * 1e9 / ns));
        } catch (RuntimeException e) {
            return Row.failed("tx64", "expkt", e.getMessage()).put("variant", variant);
        }
    }

    private static long rxPackets(Lab lab) {
        return Long.parseLong(lab.exec(lab.host(1).ns(), "cat", "/sys/class/net/veth0/statistics/rx_packets").check().stdout().strip());
    }
}
