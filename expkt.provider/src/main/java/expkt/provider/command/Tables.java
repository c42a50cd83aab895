package expkt.provider.command;

import java.util.ArrayList;
import java.util.List;

/** A plain-text table with aligned columns, as the Gogo commands print. */
final class Tables {
    private final List<String[]> rows = new ArrayList<>();

    Tables(String... header) {
        rows.add(header);
    }

    Tables row(Object... cells) {
        String[] r = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            r[i] = cells[i] == null ? "-" : cells[i].toString();
        }
        rows.add(r);
        return this;
    }

    int size() {
        return rows.size() - 1;
    }

    @Override
    public String toString() {
        int cols = rows.get(0).length;
        int[] w = new int[cols];
        for (String[] r : rows) {
            for (int i = 0; i < cols && i < r.length; i++) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        StringBuilder b = new StringBuilder();
        for (String[] r : rows) {
            for (int i = 0; i < cols && i < r.length; i++) {
                b.append(r[i]);
                if (i < cols - 1) {
                    b.append(" ".repeat(w[i] - r[i].length() + 2));
                }
            }
            b.append('\n');
        }
        return b.toString();
    }
}
