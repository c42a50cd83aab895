package expkt.ops.rest;

/**
 * A refused request: the HTTP status and the message the caller gets in {@code {"error": ...}}.
 *
 * <p>Threading: immutable.
 */
final class ApiException extends Exception {
    private static final long serialVersionUID = 1L;
    final int status;

    ApiException(int status, String message) {
        super(message);
        this.status = status;
    }
}
