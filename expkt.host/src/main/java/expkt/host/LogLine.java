package expkt.host;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

import expkt.api.operator.Printable;

import org.osgi.framework.Bundle;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;

/**
 * The one-line format of every log entry of the host: time, level, bundle, message, exception.
 * One entry is one line, whatever it carries: every control character of the message, the source and
 * the exception messages (LF, CR, ESC, ...: text a peer may have chosen) is escaped with
 * {@link Printable}, so an entry can neither forge another line nor drive the terminal.
 *
 * <pre>
 * 13:21:07.412 INFO  expkt.provider            port 1:1 (p1) opened
 * 13:21:07.415 ERROR expkt.protocol.lldp       send failed | java.io.IOException: Network is down
 * </pre>
 */
final class LogLine {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS", Locale.ROOT)
            .withZone(ZoneId.systemDefault());

    /** Causes shown on the line: a cause chain may be a cycle (a -> b -> a). */
    private static final int MAX_CAUSES = 16;

    private LogLine() {
    }

    static String format(LogEntry e) {
        Bundle b = e.getBundle();
        String source = b == null ? "-" : b.getSymbolicName() == null ? "bundle " + b.getBundleId() : b.getSymbolicName();
        return format(e.getTime(), UpstreamLogLevel.of(e), source, UpstreamLogLevel.message(e), e.getException());
    }

    static String format(long millis, LogLevel level, String source, String message, Throwable exception) {
        StringBuilder sb = new StringBuilder(128);
        sb.append(TIME.format(Instant.ofEpochMilli(millis))).append(' ');
        String l = level == null ? "?" : level.name();
        sb.append(l);
        for (int i = l.length(); i < 6; i++) {
            sb.append(' ');
        }
        String src = Printable.escape(source);
        sb.append(src);
        for (int i = src.length(); i < 26; i++) {
            sb.append(' ');
        }
        sb.append(' ').append(message == null ? "" : Printable.escape(message));
        int depth = 0;
        for (Throwable t = exception; t != null && depth++ < MAX_CAUSES; t = t.getCause() == t ? null : t.getCause()) {
            sb.append(t == exception ? " | " : " <- ").append(t.getClass().getName());
            if (t.getMessage() != null) {
                sb.append(": ").append(Printable.escape(t.getMessage()));
            }
        }
        return sb.toString();
    }

    /**
     * The stack trace of {@code exception} for the log file, as {@link Throwable#printStackTrace} writes
     * it but with every message escaped (a message with a line break would otherwise start a line that
     * looks like an entry of its own), each line ending with {@code nl}.
     */
    static String stackTrace(Throwable exception, String nl) {
        StringBuilder sb = new StringBuilder(1024);
        java.util.Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        trace(sb, exception, "", "", nl, seen);
        return sb.toString();
    }

    private static void trace(StringBuilder sb, Throwable t, String caption, String indent, String nl, java.util.Set<Throwable> seen) {
        if (!seen.add(t)) {
            sb.append(indent).append(caption).append("[CIRCULAR REFERENCE: ").append(Printable.escape(t.toString())).append(']').append(nl);
            return;
        }
        sb.append(indent).append(caption).append(Printable.escape(t.toString())).append(nl);
        for (StackTraceElement e : t.getStackTrace()) {
            sb.append(indent).append("\tat ").append(Printable.escape(e.toString())).append(nl);
        }
        for (Throwable s : t.getSuppressed()) {
            trace(sb, s, "Suppressed: ", indent + "\t", nl, seen);
        }
        if (t.getCause() != null) {
            trace(sb, t.getCause(), "Caused by: ", indent, nl, seen);
        }
    }

    /** Levels by name, case-insensitive; an unknown name is an error naming it. */
    static LogLevel level(String name) {
        try {
            return LogLevel.valueOf(name.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("log level \"" + name + "\" is not one of AUDIT, ERROR, WARN, INFO, DEBUG, TRACE", e);
        }
    }
}
