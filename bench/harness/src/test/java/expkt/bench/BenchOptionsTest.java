package expkt.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Bad options are refused naming the bad value, before any lab is built; rows serialise to valid JSON. */
class BenchOptionsTest {
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @Test
    void unknownOptionIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Bench.run(new String[] {"--fast"}, QUIET));
        assertTrue(e.getMessage().contains("\"--fast\""), e.getMessage());
    }

    @Test
    void unknownWorkloadIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Bench.run(new String[] {"--quick", "--only", "rx64,rx9000"}, QUIET));
        assertTrue(e.getMessage().contains("\"rx9000\""), e.getMessage());
    }

    @Test
    void missingValueIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Bench.run(new String[] {"--out"}, QUIET));
        assertTrue(e.getMessage().contains("--out"), e.getMessage());
    }

    @Test
    @SuppressWarnings("unchecked")
    void rowsAreValidJson() {
        Row r = new Row("echo", "c-responder").put("placement", "same-cpu").put("p50_us", 7.84).put("frames", 20000L)
                .put("pps", 774734.4).put("reason", "a \"quoted\" reason\nwith a newline").put("machine", Map.of("nproc", 2));
        Row n = Row.notRun("rx64", "expkt", "no host");
        List<Object> parsed = (List<Object>) MiniJson.parse(Json.writeRows(List.of(r.values, n.values)));
        Map<String, Object> first = (Map<String, Object>) parsed.get(0);
        assertEquals(7.84, first.get("p50_us"));
        assertEquals(774734.4, first.get("pps"));
        assertEquals(20000.0, first.get("frames"));
        assertEquals("a \"quoted\" reason\nwith a newline", first.get("reason"));
        assertEquals("not-run", ((Map<String, Object>) parsed.get(1)).get("status"));
    }
}
