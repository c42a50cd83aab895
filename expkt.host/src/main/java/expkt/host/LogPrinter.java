package expkt.host;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;

/**
 * Writes every OSGi log entry as one line ({@link LogLine}) to the console and to the host's log
 * file. Entries logged before this component started (the Log Service keeps the latest ones) are
 * written first, so nothing of the start-up is lost.
 *
 * <p>Framework properties: {@code expkt.log.file} (default {@code run/expkt.log}; empty = no file),
 * {@code expkt.log.console} ({@code true}/{@code false}, default true), {@code expkt.log.level}
 * (lowest level written, default INFO). Which entries are logged at all is the Log Service's
 * business ({@code org.osgi.service.log.admin.loglevel}).
 *
 * <p>Threading: the Log Service calls {@link #logged} from its delivery thread; writes are
 * serialised on this object.
 */
// not a service: it listens through the LogReaderService (a whiteboard LogListener would hear everything twice)
@Component(immediate = true, service = {})
public final class LogPrinter implements LogListener {
    static final String FILE = "expkt.log.file";
    static final String CONSOLE = "expkt.log.console";
    static final String LEVEL = "expkt.log.level";

    private final LogReaderService reader;
    private final PrintStream console;
    private final LogLevel threshold;
    private final Path file;
    private PrintWriter out;

    @Activate
    public LogPrinter(BundleContext context, @Reference LogReaderService reader) throws IOException {
        this.reader = reader;
        this.console = "false".equalsIgnoreCase(prop(context, CONSOLE, "true")) ? null : System.out;
        this.threshold = LogLine.level(prop(context, LEVEL, "INFO"));
        String f = prop(context, FILE, "run/expkt.log");
        this.file = f.isBlank() ? null : Path.of(f).toAbsolutePath();
        if (file != null) {
            Files.createDirectories(file.getParent());
            BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            out = new PrintWriter(w, true);
        }
        // the backlog, oldest first, then the live entries
        synchronized (this) {
            List<LogEntry> earlier = new ArrayList<>();
            for (Enumeration<LogEntry> en = reader.getLog(); en.hasMoreElements();) {
                earlier.add(en.nextElement());
            }
            Collections.reverse(earlier);
            reader.addLogListener(this);
            for (LogEntry e : earlier) {
                logged(e);
            }
            if (file != null) {
                write(LogLine.format(System.currentTimeMillis(), LogLevel.INFO, context.getBundle().getSymbolicName(),
                        "log file " + file, null), null);
            }
        }
    }

    private static String prop(BundleContext context, String key, String def) {
        String v = context.getProperty(key);
        return v == null ? def : v;
    }

    @Override
    public synchronized void logged(LogEntry entry) {
        if (!threshold.implies(entry.getLogLevel())) {
            return;
        }
        // Service events are logged by the framework at INFO: a line per registration would drown the
        // rest, so they show from DEBUG on. Bundle events (installed, started, updated...) stay.
        if (entry.getLoggerName() != null && entry.getLoggerName().startsWith("Events.Service")
                && !threshold.implies(LogLevel.DEBUG) && !LogLevel.WARN.implies(entry.getLogLevel())) {
            return;
        }
        write(LogLine.format(entry), entry.getException());
    }

    private void write(String line, Throwable exception) {
        if (console != null) {
            console.println(line);
        }
        if (out != null) {
            out.println(line);
            if (exception != null) {
                exception.printStackTrace(out);
            }
        }
    }

    @Deactivate
    synchronized void deactivate() {
        reader.removeLogListener(this);
        if (out != null) {
            out.close();
            out = null;
        }
    }
}
