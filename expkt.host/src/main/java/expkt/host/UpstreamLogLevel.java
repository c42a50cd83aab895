package expkt.host;

import java.nio.file.ClosedWatchServiceException;

import org.osgi.framework.Bundle;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;

/**
 * The level the host writes and counts for an entry: the entry's own, except for an entry of a
 * third-party bundle that is known to report its own orderly stop as an ERROR. Each exception is
 * matched on bundle, message and exception type, so that nothing else of that bundle is lowered.
 *
 * <ul>
 * <li>Felix FileInstall 3.7.4, {@code DirectoryWatcher.run}: {@code close()} interrupts the watcher
 * thread and closes its {@code WatchService}; when the thread is inside a scan at that moment, the
 * scan throws {@link ClosedWatchServiceException}, the main loop logs "In main loop, we have serious
 * trouble" at ERROR and then leaves on the interrupt. A closed watch service has only one cause,
 * that watcher's own {@code close()} (FileInstall stopping, refreshed or reconfigured), so the entry
 * is written at WARN with a note saying so. Seen once in about 40 platform refreshes (PlatformUpdateIT
 * in CI); without this rule the demo verdict and the update tests would call an orderly stop a fault.</li>
 * </ul>
 *
 * <p>Threading: stateless.
 */
final class UpstreamLogLevel {
    static final String FILEINSTALL = "org.apache.felix.fileinstall";
    static final String FILEINSTALL_MAIN_LOOP = "In main loop, we have serious trouble";
    static final String FILEINSTALL_NOTE = " (FileInstall's directory watcher was closed during a scan: its own stop, nothing is lost)";

    private UpstreamLogLevel() {
    }

    /** The level to write and count {@code entry} at. */
    static LogLevel of(LogEntry entry) {
        return lowered(entry) ? LogLevel.WARN : entry.getLogLevel();
    }

    /** The message to write: the entry's own, with a note when its level was lowered. */
    static String message(LogEntry entry) {
        return lowered(entry) ? entry.getMessage() + FILEINSTALL_NOTE : entry.getMessage();
    }

    static boolean lowered(LogEntry entry) {
        Bundle b = entry.getBundle();
        return lowered(entry.getLogLevel(), b == null ? null : b.getSymbolicName(), entry.getMessage(), entry.getException());
    }

    static boolean lowered(LogLevel level, String bundle, String message, Throwable exception) {
        return level == LogLevel.ERROR && FILEINSTALL.equals(bundle)
                && FILEINSTALL_MAIN_LOOP.equals(message) && exception instanceof ClosedWatchServiceException;
    }
}
