package expkt.host;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

import org.osgi.framework.Bundle;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;

/**
 * The one-line format of every log entry of the host: time, level, bundle, message, exception.
 *
 * <pre>
 * 13:21:07.412 INFO  expkt.provider            port 1:1 (p1) opened
 * 13:21:07.415 ERROR expkt.protocol.lldp       send failed | java.io.IOException: Network is down
 * </pre>
 */
final class LogLine {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS", Locale.ROOT)
            .withZone(ZoneId.systemDefault());

    private LogLine() {
    }

    static String format(LogEntry e) {
        Bundle b = e.getBundle();
        String source = b == null ? "-" : b.getSymbolicName() == null ? "bundle " + b.getBundleId() : b.getSymbolicName();
        return format(e.getTime(), e.getLogLevel(), source, e.getMessage(), e.getException());
    }

    static String format(long millis, LogLevel level, String source, String message, Throwable exception) {
        StringBuilder sb = new StringBuilder(128);
        sb.append(TIME.format(Instant.ofEpochMilli(millis))).append(' ');
        String l = level == null ? "?" : level.name();
        sb.append(l);
        for (int i = l.length(); i < 6; i++) {
            sb.append(' ');
        }
        sb.append(source);
        for (int i = source.length(); i < 26; i++) {
            sb.append(' ');
        }
        sb.append(' ').append(message == null ? "" : message.replace('\n', ' '));
        for (Throwable t = exception; t != null; t = t.getCause() == t ? null : t.getCause()) {
            sb.append(t == exception ? " | " : " <- ").append(t.getClass().getName());
            if (t.getMessage() != null) {
                sb.append(": ").append(t.getMessage().replace('\n', ' '));
            }
        }
        return sb.toString();
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
