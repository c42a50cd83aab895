package expkt.host;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
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
 * written first, so nothing of the start-up is lost; those a previous printer of the same Log Service
 * saw already (before an update or refresh of {@code expkt.host} restarted this component) are not
 * written again: the printer keeps the sequence numbers of the entries it saw ({@link SeenSequences})
 * in its bundle's data area ({@value #POSITION_FILE}: framework UUID, the Log Service's service id,
 * the ranges), read at the next start. Every line appears once, so an ERROR is counted once.
 *
 * <p>Framework properties: {@code expkt.log.file} (default {@code run/expkt.log}; empty = no file),
 * {@code expkt.log.file.size} (bytes a log file may reach before it is rotated, default 10485760 =
 * 10 MiB, at least 4096; suffixes k, m, g), {@code expkt.log.file.count} (rotated files kept,
 * {@code expkt.log.1} .. {@code .N}, default 5, 1..100): the log takes at most (count + 1) × size
 * ({@link RotatingLogFile}). {@code expkt.log.console} ({@code true}/{@code false}, default true),
 * {@code expkt.log.level} (lowest level written, default INFO). A bad value stops the component with
 * an exception naming it. Which entries are logged at all is the Log Service's
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
    static final String FILE_SIZE = "expkt.log.file.size";
    static final String FILE_COUNT = "expkt.log.file.count";
    static final long DEFAULT_FILE_SIZE = 10L << 20;
    static final int DEFAULT_FILE_COUNT = 5;

    /** In the bundle's data area: where the previous printer of this framework launch stopped. */
    static final String POSITION_FILE = "log-printer.position";

    private final BundleContext context;
    private final ServiceReference<LogReaderService> readerRef;
    private final LogReaderService reader;
    /** This framework launch and this Log Service: the sequence numbers below count within it. */
    private final String logIdentity;
    private final PrintStream console;
    private final LogLevel threshold;
    private final Path file;
    private RotatingLogFile out;
    private boolean writeFailed;
    /** The entries seen (written or below the threshold), saved for the next printer. */
    private final SeenSequences seen = new SeenSequences();
    /** Entries not to write: the backlog's (written at the start, or seen by the previous printer) when delivered live too. */
    private final Set<Long> notAgain = new HashSet<>();

    @Activate
    public LogPrinter(BundleContext context, @Reference(service = LogReaderService.class) ServiceReference<LogReaderService> readerRef)
            throws IOException {
        this.context = context;
        this.readerRef = readerRef;
        this.reader = context.getService(readerRef);
        if (reader == null) {
            throw new IllegalStateException("the Log Service " + readerRef + " went away while the log printer started");
        }
        this.logIdentity = context.getProperty(Constants.FRAMEWORK_UUID) + " " + readerRef.getProperty(Constants.SERVICE_ID);
        this.console = "false".equalsIgnoreCase(prop(context, CONSOLE, "true")) ? null : System.out;
        this.threshold = LogLine.level(prop(context, LEVEL, "INFO"));
        String f = prop(context, FILE, "run/expkt.log");
        this.file = f.isBlank() ? null : Path.of(f).toAbsolutePath();
        if (file != null) {
            out = new RotatingLogFile(file, bytes(FILE_SIZE, prop(context, FILE_SIZE, String.valueOf(DEFAULT_FILE_SIZE))),
                    count(FILE_COUNT, prop(context, FILE_COUNT, String.valueOf(DEFAULT_FILE_COUNT))));
        }
        // the backlog, oldest first, then the live entries: listening first (deliveries wait for this
        // monitor), so an entry logged meanwhile is in the backlog or delivered, and is written once
        synchronized (this) {
            Set<Long> seenBefore = seenBefore(context.getDataFile(POSITION_FILE), logIdentity);
            reader.addLogListener(this);
            List<LogEntry> earlier = new ArrayList<>();
            for (Enumeration<LogEntry> en = reader.getLog(); en.hasMoreElements();) {
                earlier.add(en.nextElement());
            }
            Collections.reverse(earlier);
            for (LogEntry e : earlier) {
                if (!seenBefore.contains(e.getSequence())) {
                    logged(e);
                } else {
                    seen.add(e.getSequence());
                }
                notAgain.add(e.getSequence());
            }
            if (file != null) {
                write(LogLine.format(System.currentTimeMillis(), LogLevel.INFO, context.getBundle().getSymbolicName(),
                        "log file " + file, null), null);
            }
        }
    }

    /** A size in bytes, with an optional suffix k, m or g (powers of 1024); a bad one is named. */
    static long bytes(String key, String value) {
        String v = value.strip().toLowerCase(java.util.Locale.ROOT);
        long unit = 1;
        if (!v.isEmpty() && "kmg".indexOf(v.charAt(v.length() - 1)) >= 0) {
            unit = 1L << 10 * ("kmg".indexOf(v.charAt(v.length() - 1)) + 1);
            v = v.substring(0, v.length() - 1);
        }
        try {
            if (!v.matches("[0-9]{1,12}")) {
                throw new NumberFormatException();
            }
            long n = Math.multiplyExact(Long.parseLong(v), unit);
            if (n < RotatingLogFile.MIN_BYTES) {
                throw new IllegalArgumentException("framework property " + key + "=" + value + " is below the minimum of "
                        + RotatingLogFile.MIN_BYTES + " bytes");
            }
            return n;
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("framework property " + key + "=\"" + value
                    + "\" is not a size in bytes (digits, optionally followed by k, m or g)");
        }
    }

    /** A count of rotated files, 1..100; a bad one is named. */
    static int count(String key, String value) {
        String v = value.strip();
        if (!v.matches("[0-9]{1,3}") || Integer.parseInt(v) < 1 || Integer.parseInt(v) > RotatingLogFile.MAX_KEEP) {
            throw new IllegalArgumentException("framework property " + key + "=\"" + value + "\" is not a count of 1.."
                    + RotatingLogFile.MAX_KEEP + " files");
        }
        return Integer.parseInt(v);
    }

    private static String prop(BundleContext context, String key, String def) {
        String v = context.getProperty(key);
        return v == null ? def : v;
    }

    /**
     * The sequence numbers a previous printer of the same framework launch and Log Service saw, from
     * {@code position} ("UUID serviceId ranges..."), or none: another launch, another Log Service, no file
     * (the first start, or no data area), or an unreadable one (said on standard error).
     */
    static Set<Long> seenBefore(File position, String logIdentity) {
        if (position == null || !position.isFile()) {
            return Set.of();
        }
        try {
            String saved = Files.readString(position.toPath(), StandardCharsets.UTF_8).strip();
            String prefix = logIdentity + " ";
            if (saved.startsWith(prefix)) {
                return SeenSequences.parse(saved.substring(prefix.length()));
            }
            if (saved.equals(logIdentity)) {
                return Set.of(); // saw nothing
            }
        } catch (IOException | IllegalArgumentException e) {
            System.err.println("log printer: " + position + " is unreadable (" + e + "): the Log Service's backlog is written "
                    + "in full, some lines may appear twice");
        }
        return Set.of();
    }

    @Override
    public synchronized void logged(LogEntry entry) {
        long sequence = entry.getSequence();
        if (notAgain.remove(sequence)) {
            return; // from the backlog just now, delivered live as well
        }
        seen.add(sequence);
        if (!threshold.implies(UpstreamLogLevel.of(entry))) {
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
            String nl = System.lineSeparator();
            try {
                out.write(exception == null ? line + nl : line + nl + LogLine.stackTrace(exception, nl));
                writeFailed = false;
            } catch (IOException e) {
                if (!writeFailed) { // once per run of failures, on the console, which does not depend on the file
                    System.err.println(LogLine.format(System.currentTimeMillis(), LogLevel.ERROR, "expkt.host",
                            "log file " + file + ": write failed, entries are lost until it works again", e));
                    writeFailed = true;
                }
            }
        }
    }

    @Deactivate
    synchronized void deactivate() {
        reader.removeLogListener(this);
        context.ungetService(readerRef);
        File position = context.getDataFile(POSITION_FILE);
        if (position != null) {
            try {
                Files.writeString(position.toPath(), logIdentity + " " + seen.ranges() + "\n", StandardCharsets.UTF_8);
            } catch (IOException e) {
                System.err.println("log printer: cannot save what it saw in " + position + " (" + e
                        + "): the next printer writes the Log Service's backlog in full");
            }
        }
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                System.err.println("log file " + file + ": close failed: " + e.getMessage());
            }
            out = null;
        }
    }
}
