package expkt.bench;

import java.util.Map;
import java.util.Objects;

/**
 * The numbered-frame accounting the two hot-update rows share ({@code upgrade}: the sink bundle is
 * replaced; {@code upgrade-provider}: the provider under it): every matching frame carries a sequence
 * number ({@link Generator.Trafgen#sequenced}) and the sink's {@code SeqTracker} accounts for each one;
 * this turns the sink's status into the row's fields (bench/README.md, the {@code upgrade-provider} row,
 * says what each one means).
 */
final class SeqAccounting {
    private SeqAccounting() {
    }

    /**
     * Puts {@code lost} (expected − distinct numbers received), its split {@code ring_drops} (given: the
     * sink socket's kernel drops over the whole stream) + {@code lost_in_swap}, the duplicates, late and
     * foreign numbers, the gaps, and — from {@code atDrop}, the sink's status read just before the jar
     * was dropped — {@code missing_at_drop}, {@code ring_drops_at_drop} and {@code lost_across_update};
     * the gaps' detection times in ms after {@code dropNs} (the sink's clock is CLOCK_MONOTONIC, as
     * System.nanoTime here).
     */
    static Row put(Row row, Map<String, String> now, Map<String, String> atDrop, long expected, long ringDrops, long dropNs) {
        long unique = num(now, "seq_unique");
        long missing = expected - unique;
        row.put("lost", missing).put("ring_drops", ringDrops).put("lost_in_swap", missing - ringDrops)
                .put("duplicates", num(now, "seq_dups")).put("reordered", num(now, "seq_reordered"))
                .put("seq_out_of_range", num(now, "seq_out_of_range")).put("seq_highest", num(now, "seq_highest"))
                .put("gaps", num(now, "seq_gaps")).put("longest_gap", num(now, "seq_longest_gap"));
        if (atDrop.containsKey("seq_missing")) {
            row.put("missing_at_drop", num(atDrop, "seq_missing")).put("ring_drops_at_drop", num(atDrop, "drops"));
            // what the update cost: the frames missing since the jar's drop (the host's warm-up under the stream before
            // it is not the update's). The status read at the drop is up to 250 ms old, so a loss in those last
            // 250 ms before the drop counts here too: an upper bound of the update's loss, never an excuse for it
            row.put("lost_across_update", missing - num(atDrop, "seq_missing"));
        }
        // each gap's detection by the sink: the frame after the gap was taken then, so the missing ones were
        // sent before (an upper bound; not a send-time estimate from trafgen's rate, which is bursty at its
        // start: such estimates came out later than detection)
        if (num(now, "seq_gaps") > 0) {
            row.put("first_gap", num(now, "seq_first_gap_from") + "-" + num(now, "seq_first_gap_to"))
                    .put("last_gap", num(now, "seq_last_gap_from") + "-" + num(now, "seq_last_gap_to"))
                    .put("first_gap_seen_ms", RxBench.round((num(now, "seq_first_gap_ns") - dropNs) / 1e6))
                    .put("last_gap_seen_ms", RxBench.round((num(now, "seq_last_gap_ns") - dropNs) / 1e6))
                    .put("gap_list", gapList(now.get("seq_gap_list"), dropNs));
        }
        return row;
    }

    /** The sink's kept gaps ({@code from-to@ns,...}) with their detection time in ms after the drop: {@code from-to@ms; ...}. */
    static String gapList(String list, long dropNs) {
        if (list == null || list.equals("-")) {
            return null;
        }
        StringBuilder b = new StringBuilder();
        for (String g : list.split(",")) {
            int at = g.indexOf('@');
            b.append(b.isEmpty() ? "" : "; ").append(g, 0, at).append('@')
                    .append(RxBench.round((Long.parseLong(g.substring(at + 1)) - dropNs) / 1e6));
        }
        return b.toString();
    }

    static long num(Map<String, String> status, String key) {
        String v = status.get(key);
        if (v == null) {
            throw new BenchException("the sink's status has no " + key + ": " + status);
        }
        return Long.parseLong(v);
    }

    /**
     * Waits until every matching frame is accounted for (a distinct sequence number received, or a
     * ring drop; {@code dropsBefore}: the ring drops of the sink's ended activations, when its current
     * socket's count does not hold them) or the sink's count stops moving for 1.5 s (frames that never
     * reached the socket never come), with a 30 s deadline; returns the last status.
     */
    static Map<String, String> settle(ExpktHost host, long expected, long dropsBefore) {
        long deadline = System.currentTimeMillis() + 30_000;
        Map<String, String> s = host.status();
        String last = s.get("frames");
        long stillSince = System.currentTimeMillis();
        while (System.currentTimeMillis() < deadline) {
            ExpktHost.sleep(250);
            s = host.status();
            if (s.containsKey("seq_unique") && num(s, "seq_unique") + num(s, "drops") + dropsBefore >= expected) {
                return s;
            }
            if (!Objects.equals(last, s.get("frames"))) {
                last = s.get("frames");
                stillSince = System.currentTimeMillis();
            } else if (System.currentTimeMillis() - stillSince >= 1500) {
                return s;
            }
        }
        return s;
    }
}
