package expkt.host;

import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;

import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;

/**
 * Counts the ERROR entries of the OSGi Log Service for a scripted run's verdict, through a
 * subscription of its own (entries logged before it subscribed, which the Log Service keeps, count
 * too). Keeps the first few as "bundle: message" to name them.
 *
 * <p>Threading: {@link #logged} is called on the Log Service's delivery thread; the counters are
 * guarded by this object.
 */
final class ErrorCount implements LogListener {
    private static final int KEEP = 2;

    private final LogReaderService reader;
    private final List<String> first = new ArrayList<>();
    private int count;

    ErrorCount(LogReaderService reader) {
        this.reader = reader;
        synchronized (this) {
            // the backlog is newest first; the first ones we keep are the oldest
            List<LogEntry> earlier = new ArrayList<>();
            for (Enumeration<LogEntry> en = reader.getLog(); en.hasMoreElements();) {
                earlier.add(en.nextElement());
            }
            reader.addLogListener(this);
            for (int i = earlier.size() - 1; i >= 0; i--) {
                logged(earlier.get(i));
            }
        }
    }

    @Override
    public synchronized void logged(LogEntry entry) {
        if (UpstreamLogLevel.of(entry) != LogLevel.ERROR) { // an upstream bundle's orderly stop is no fault
            return;
        }
        count++;
        if (first.size() < KEEP) {
            String bundle = entry.getBundle() == null ? "?" : entry.getBundle().getSymbolicName();
            Throwable t = entry.getException();
            String text = bundle + ": " + entry.getMessage() + (t == null ? "" : " (" + t + ")");
            first.add(text.length() <= 200 ? text : text.substring(0, 197) + "...");
        }
    }

    synchronized int count() {
        return count;
    }

    /** Null when nothing was logged at ERROR; else "N ERROR log entries (first: ...)". */
    synchronized String summary() {
        if (count == 0) {
            return null;
        }
        return count + " ERROR log entr" + (count == 1 ? "y" : "ies") + " (" + String.join("; ", first)
                + (count > first.size() ? "; ..." : "") + ")";
    }

    void close() {
        try {
            reader.removeLogListener(this);
        } catch (IllegalStateException stopped) {
            // the Log Service went first
        }
    }
}
