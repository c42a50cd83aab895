package expkt.ops.rest;

import java.util.Map;

/**
 * An answer whose work goes on after it is sent: {@link ManagementApi} writes {@code body} with 202
 * Accepted, flushes it, and then starts {@code after} on a thread of its own.
 *
 * <p>Threading: made and read on one request thread.
 */
record Deferred(Map<String, Object> body, Runnable after) {
}
