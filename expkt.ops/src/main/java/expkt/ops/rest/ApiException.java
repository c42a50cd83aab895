package expkt.ops.rest;

/**
 * A refused request: the HTTP status and the message the caller gets in {@code {"error": ...}}.
 *
 * <p>Threading: immutable.
 */
final class ApiException extends Exception {
    private static final long serialVersionUID = 1L;
    final int status;
    /** More fields of the error body beside {@code error} (for example {@code restarts}), or empty. */
    final transient java.util.Map<String, Object> details;

    ApiException(int status, String message) {
        this(status, message, java.util.Map.of());
    }

    ApiException(int status, String message, java.util.Map<String, Object> details) {
        super(message);
        this.status = status;
        this.details = details;
    }
}
