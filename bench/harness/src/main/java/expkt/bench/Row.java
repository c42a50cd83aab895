package expkt.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One result: a (workload, contender[, placement]) with the keys that apply. A row that could not be
 * measured carries {@code status: not-run} and the reason, never a number.
 */
final class Row {
    final Map<String, Object> values = new LinkedHashMap<>();

    Row(String workload, String contender) {
        values.put("workload", workload);
        values.put("contender", contender);
    }

    Row put(String key, Object value) {
        if (value != null) {
            values.put(key, value);
        }
        return this;
    }

    Object get(String key) {
        return values.get(key);
    }

    double num(String key) {
        return values.get(key) instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    String workload() {
        return (String) values.get("workload");
    }

    String contender() {
        return (String) values.get("contender");
    }

    boolean ran() {
        return !"not-run".equals(values.get("status")) && !"failed".equals(values.get("status"));
    }

    static Row notRun(String workload, String contender, String reason) {
        return new Row(workload, contender).put("status", "not-run").put("reason", reason);
    }

    static Row failed(String workload, String contender, String reason) {
        return new Row(workload, contender).put("status", "failed").put("reason", reason);
    }

    @Override
    public String toString() {
        return Json.write(values);
    }
}
