package expkt.ops.console;

import java.util.function.Function;

/**
 * A column of an expkt page: its header and how a row's DTO becomes the cell's text.
 *
 * <p>Threading: immutable.
 */
record Column<T>(String header, Function<T, Object> value) {
    static <T> Column<T> of(String header, Function<T, Object> value) {
        return new Column<>(header, value);
    }
}
