package expkt.capture;

import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.Filter;
import expkt.api.packet.FrameView;
import expkt.api.packet.PacketService;
import expkt.api.packet.PacketSocket;
import expkt.api.packet.Port;
import expkt.codec.pcap.CaptureWriter;
import expkt.codec.pcap.PcapWriter;
import expkt.codec.pcap.PcapngWriter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Gogo command {@code expkt:capture [--force] <filter> <file> [count|seconds]}: opens a packet socket,
 * sets one filter parsed from {@code <filter>} ({@code key=value} pairs separated by commas or spaces,
 * read by {@link Filter#parse}'s parser, the one a whiteboard handler's {@code expkt.filter.*}
 * properties go through too: {@code dstmac}, {@code ethertype}, {@code action}, {@code direction},
 * {@code vr}, {@code ethertype_offset}, and {@code name} if the filter is not to be {@code capture-<n>}),
 * and writes every frame it brings up into {@code <file>} until the count or
 * the time is reached or the thread is interrupted (Ctrl-C: see {@link SigintBridge}). A {@code .pcapng}
 * file gets one interface per port (named {@code "1:2 (p2)"}); any other name gives pcap with
 * nanosecond timestamps. Timestamps are the kernel's receive timestamps; the frames are written as the
 * socket hands them over, whole: as they were on the wire, outer VLAN tag included (the provider puts
 * back the tag the kernel moved into metadata; {@link ExosSockAddr#vlanTpid()} repeats it).
 *
 * <p>The file: an existing {@code <file>} is never overwritten unless {@code --force} is given (then
 * it is replaced whole at the end, by a rename: a symbolic link there is replaced, not followed). The
 * frames go into a new temporary file in the same directory ({@code .<file>.<random>.part}, created
 * exclusively, mode 0600), renamed to {@code <file>} when the capture ends; a capture that fails or
 * is refused deletes that temporary file and nothing else.
 *
 * <p>The action defaults to {@code up_and_continue}: a capture never takes frames away from the data
 * plane unless {@code action=up_and_drop} is given. The socket, its filter and its nftables rules are
 * removed when the command ends, however it ends.
 *
 * <p>A bundle of its own, on the public API only: the {@link PacketService} it gets is this bundle's,
 * so its sockets are owned by (and listed under) {@code expkt.capture}.
 *
 * <p>Threading: each call runs on the caller's thread (it blocks while capturing); calls from several
 * Gogo sessions run side by side, each with its own socket, filter name and file. The receive loop
 * allocates nothing per frame.
 */
@Component(service = CaptureCommand.class, property = {
        "osgi.command.scope=expkt",
        "osgi.command.function=capture"})
public final class CaptureCommand {
    /** The limit when none is given. */
    public static final Duration DEFAULT_DURATION = Duration.ofSeconds(10);
    /** Filter names the command takes: {@code capture-<n>}, the first n not in use on the host. */
    public static final String NAME_PREFIX = "capture-";
    /** The option that lets a capture replace an existing file. */
    public static final String FORCE = "--force";
    private static final AtomicInteger NEXT_NAME = new AtomicInteger(1);
    /** The name a spec without {@code name=} is checked under; it is set up as {@code capture-<n>}. */
    static final String UNNAMED = NAME_PREFIX + "0";
    /** How long one receive waits, so that the time limit and an interrupt are noticed. */
    private static final Duration RECEIVE_SLICE = Duration.ofMillis(100);
    private static final int MAX_FRAME = 1 << 16;
    /** The file is flushed when no frame is waiting, at most this often. */
    private static final long FLUSH_INTERVAL_NANOS = 200_000_000L;

    /** What a capture needs: the bundle's packet service and where its INFO lines go. */
    private record Context(PacketService packets, Consumer<String> log) {
    }

    private final PacketService packets;
    private final Consumer<String> log;

    @Activate
    public CaptureCommand(@Reference PacketService packets, @Reference(service = LoggerFactory.class) Logger logger) {
        this(new Context(packets, logger::info));
    }

    /**
     * Outside OSGi (tests): captures through {@code packets}, INFO lines to {@code log}. A factory, not a
     * constructor: SCR would try (and complain about) every two-argument constructor.
     */
    public static CaptureCommand on(PacketService packets, Consumer<String> log) {
        return new CaptureCommand(new Context(packets, log));
    }

    private CaptureCommand(Context c) {
        this.packets = c.packets();
        this.log = c.log();
    }

    /** {@code expkt:capture <filter> <file>}: for {@link #DEFAULT_DURATION}. */
    public String capture(String filter, String file) throws IOException {
        return capture(filter, file, DEFAULT_DURATION.toSeconds() + "s");
    }

    /**
     * {@code expkt:capture <filter> <file> <count|seconds>}: {@code 100} frames or {@code 10s}; or
     * {@code expkt:capture --force <filter> <file>}.
     */
    public String capture(String filter, String file, String limit) throws IOException {
        if (FORCE.equals(filter)) {
            return capture(file, limit, DEFAULT_DURATION.toSeconds() + "s", true, System.out);
        }
        return capture(filter, file, limit, false, System.out);
    }

    /** {@code expkt:capture --force <filter> <file> <count|seconds>}. */
    public String capture(String option, String filter, String file, String limit) throws IOException {
        if (!FORCE.equals(option)) {
            throw new IllegalArgumentException("capture option \"" + option + "\" is unknown (the one option is " + FORCE
                    + ": replace an existing file)");
        }
        return capture(filter, file, limit, true, System.out);
    }

    /**
     * As the Gogo forms, saying on {@code out} (if not null) when it starts; {@code force} lets it
     * replace an existing {@code file}.
     */
    public String capture(String filter, String file, String limit, boolean force, PrintStream out) throws IOException {
        Limit lim = Limit.parse(limit);
        Filter spec = toFilter(filter); // every key and value checked before anything is opened
        Path path = target(file, force);
        boolean pcapng = path.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".pcapng");
        List<Port> ports = packets.ports();
        Session session = new Session(path, pcapng, ports);
        Filter f;
        String end;
        try (session) {
            PacketSocket socket = packets.open();
            session.socket = socket;
            f = setupFilter(socket, spec);
            socket.setTimeout(RECEIVE_SLICE);
            boolean ctrlC = SigintBridge.enter();
            try {
                if (out != null) {
                    out.println("capturing " + f.name() + " (" + describe(f) + ") into " + path + " until " + lim
                            + (ctrlC ? "; Ctrl-C stops" : ""));
                    out.flush();
                }
                log.accept("expkt:capture " + f.name() + " (" + describe(f) + ") into " + path + " until " + lim);
                end = session.runShielded(lim);
            } finally {
                SigintBridge.exit();
            }
            session.complete(force);
        } finally {
            // the caller's interrupt (Ctrl-C, Gogo's break) is kept for it to see, but only now: with the flag
            // set, the writer's last write (an interruptible FileChannel closes instead of writing, and the
            // capture would be lost) and the socket's close (it waits for the data-plane thread to remove
            // the filter's rules) would fail
            if (session.callerInterrupted) {
                Thread.currentThread().interrupt();
            }
        }
        // closed: the count of drops is final, the file complete
        String summary = f.name() + ": " + session.writer.frames() + " frame(s) written to " + path
                + (pcapng ? " (pcapng)" : " (pcap, ns)") + ", " + session.drops + " dropped by the kernel, "
                + String.format(Locale.ROOT, "%.1f s", session.elapsedNanos / 1e9) + ", " + end;
        log.accept("expkt:capture " + summary);
        return summary + "\n";
    }

    /**
     * The file to write, checked before anything is opened: not a directory, its directory there, and
     * nothing at that name (not even a symbolic link, dangling or not) unless {@code force}.
     */
    static Path target(String file, boolean force) {
        if (file == null || file.isBlank()) {
            throw new IllegalArgumentException("capture file name is empty");
        }
        Path path = Path.of(file.strip()).toAbsolutePath();
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            throw new IllegalArgumentException("capture file " + path + " is a directory");
        }
        Path dir = path.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("capture file " + path + ": the directory " + dir + " does not exist");
        }
        if (!force && Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            throw new IllegalArgumentException("capture file " + path + " exists"
                    + (Files.isSymbolicLink(path) ? " (a symbolic link)" : "") + ": give " + FORCE
                    + " to replace it, or another name");
        }
        return path;
    }

    /**
     * Sets the filter: under the name the spec gave, else under the first {@code capture-<n>} no filter on
     * the host has.
     */
    private static Filter setupFilter(PacketSocket socket, Filter spec) throws IOException {
        if (!spec.name().equals(UNNAMED)) {
            socket.setupFilter(spec);
            return spec;
        }
        for (int tries = 0; ; tries++) {
            Filter f = spec.toBuilder().name(NAME_PREFIX + NEXT_NAME.getAndIncrement()).build();
            try {
                socket.setupFilter(f);
                return f;
            } catch (IllegalArgumentException e) {
                // names are unique across the host: another bundle may hold this one
                if (tries >= 100 || e.getMessage() == null || !e.getMessage().contains("already used")) {
                    throw e;
                }
            }
        }
    }

    private static String describe(Filter f) {
        return f.describeMatch() + ", " + f.action() + ", " + f.direction() + (f.vr() == null ? "" : ", " + f.vr());
    }

    /**
     * The filter {@code spec} describes, read by the API's one filter key=value parser
     * ({@link Filter.Builder#apply(String)}: the same errors for the same bad value as a whiteboard
     * handler's {@code expkt.filter.*} properties), named {@link #UNNAMED} unless the spec gives a
     * {@code name}.
     */
    static Filter toFilter(String spec) {
        return Filter.named(UNNAMED).apply(spec).build();
    }

    /** When a capture stops: after {@code frames} frames, or after {@code nanos}. */
    record Limit(long frames, long nanos) {
        static Limit parse(String text) {
            if (text == null || text.isBlank()) {
                throw new IllegalArgumentException("capture limit is empty: give a frame count (100) or seconds (10s)");
            }
            String t = text.strip().toLowerCase(Locale.ROOT);
            try {
                if (t.endsWith("s")) {
                    double s = Double.parseDouble(t.substring(0, t.length() - 1));
                    if (!(s > 0) || s > 86_400 * 365 || !t.substring(0, t.length() - 1).matches("[0-9]+(\\.[0-9]+)?")) {
                        throw new NumberFormatException();
                    }
                    return new Limit(Long.MAX_VALUE, (long) (s * 1e9));
                }
                if (!t.matches("[0-9]+")) {
                    throw new NumberFormatException();
                }
                long n = Long.parseLong(t);
                if (n < 1) {
                    throw new NumberFormatException();
                }
                return new Limit(n, Long.MAX_VALUE);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("capture limit \"" + text
                        + "\" is neither a frame count (a whole number from 1) nor seconds (e.g. 10s, more than 0)");
            }
        }

        @Override
        public String toString() {
            return frames != Long.MAX_VALUE ? frames + " frame(s)"
                    : java.math.BigDecimal.valueOf(nanos, 9).stripTrailingZeros().toPlainString() + " s";
        }
    }

    /**
     * One capture: the temporary file and its writer, the socket, and the receive loop. Closing it
     * closes the socket (filter and rules go with it) and the writer, and deletes the temporary file
     * unless {@link #complete} renamed it to the target. It never deletes anything else.
     */
    private static final class Session implements AutoCloseable {
        private final Path path;
        private final Path temp;
        private final CaptureWriter writer;
        private final PcapngWriter pcapng;
        private final Arena arena = Arena.ofShared(); // written by the capture thread, closed by the command thread
        /** A frame with its tag written back: the tag is not in the ring's bytes. */
        private final MemorySegment frame = arena.allocate(MAX_FRAME, 8);
        private final ExosSockAddr from = new ExosSockAddr();
        /** pcapng interface ids by port ifindex, in the order they were added. */
        private int[] ifIndexes;
        private int interfaces;
        PacketSocket socket;
        /** The temporary file became the target. */
        private boolean completed;
        boolean interrupted;
        long elapsedNanos;
        long drops;

        Session(Path path, boolean pcapngFormat, List<Port> ports) throws IOException {
            this.path = path;
            try {
                // created exclusively (O_EXCL, 0600) by us: a name that exists, a link included, is never opened
                this.temp = Files.createTempFile(path.getParent(), "." + path.getFileName() + ".", ".part");
            } catch (IOException e) {
                arena.close();
                throw new IOException("cannot create a temporary capture file in " + path.getParent() + ": " + e, e);
            }
            try {
                FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
                try {
                    if (pcapngFormat) {
                        pcapng = new PcapngWriter(ch, CaptureWriter.DEFAULT_SNAPLEN, CaptureWriter.LINKTYPE_ETHERNET,
                                ports.isEmpty() ? "no port" : interfaceName(ports.getFirst()));
                        writer = pcapng;
                        ifIndexes = new int[Math.max(8, ports.size() * 2)];
                        if (!ports.isEmpty()) {
                            ifIndexes[interfaces++] = ports.getFirst().ifIndex();
                            for (Port p : ports.subList(1, ports.size())) {
                                addInterface(p.ifIndex(), interfaceName(p));
                            }
                        }
                    } else {
                        pcapng = null;
                        writer = new PcapWriter(ch, true, CaptureWriter.DEFAULT_SNAPLEN, CaptureWriter.LINKTYPE_ETHERNET);
                    }
                } catch (IOException | RuntimeException e) {
                    ch.close();
                    throw e;
                }
            } catch (IOException | RuntimeException e) {
                arena.close();
                Files.deleteIfExists(temp);
                throw new IOException("cannot write capture file " + temp + ": " + e, e);
            }
        }

        private static String interfaceName(Port p) {
            return p.slotPort() + " (" + p.ifName() + ")";
        }

        private int addInterface(int ifIndex, String name) throws IOException {
            int id = pcapng.addInterface(name);
            if (interfaces == ifIndexes.length) {
                ifIndexes = java.util.Arrays.copyOf(ifIndexes, interfaces * 2);
            }
            ifIndexes[interfaces++] = ifIndex;
            return id;
        }

        /** The pcapng interface of a frame's port; a port that appeared since the start gets one now. */
        private int interfaceOf(ExosSockAddr a) throws IOException {
            int ifIndex = a.ifIndex();
            for (int i = 0; i < interfaces; i++) {
                if (ifIndexes[i] == ifIndex) {
                    return i;
                }
            }
            return addInterface(ifIndex, a.slotPort() + " (" + a.ifName() + ")");
        }

        /** Set when the command's thread was interrupted: the writer thread ends at its next check. */
        volatile boolean stopRequested;
        /**
         * The command's thread was interrupted while it waited for the writer thread; the interrupt is
         * given back to it once the session is closed.
         */
        boolean callerInterrupted;

        /**
         * Runs {@link #run} on a thread of its own and waits for it; an interrupt of the calling thread
         * (Ctrl-C, Gogo's break) becomes {@link #stopRequested}. Why: an interrupt that lands on a thread
         * while it writes to a {@code FileChannel} closes the channel (ClosedByInterruptException) and
         * loses the frames not yet flushed, or leaves half a record; the writer thread is never
         * interrupted, so the file always ends on a whole frame. The caller's interrupt is not restored
         * here but by {@code capture} once the session is closed ({@link #callerInterrupted}).
         */
        String runShielded(Limit limit) throws IOException {
            String[] end = new String[1];
            Throwable[] failed = new Throwable[1];
            Thread worker = Thread.ofPlatform().name("expkt-capture-" + path.getFileName()).start(() -> {
                try {
                    end[0] = run(limit);
                } catch (Throwable t) {
                    failed[0] = t;
                }
            });
            boolean wasInterrupted = false;
            while (true) {
                try {
                    worker.join();
                    break;
                } catch (InterruptedException e) {
                    wasInterrupted = true;
                    stopRequested = true; // seen within one receive slice
                }
            }
            callerInterrupted = wasInterrupted;
            if (failed[0] instanceof IOException io) {
                throw io;
            }
            if (failed[0] instanceof RuntimeException re) {
                throw re;
            }
            if (failed[0] instanceof Error err) {
                throw err;
            }
            if (failed[0] != null) {
                throw new IOException(failed[0]);
            }
            return end[0];
        }

        /** Receives and writes until the limit or a stop; returns why it stopped. */
        String run(Limit limit) throws IOException {
            long start = System.nanoTime();
            long deadline = limit.nanos() == Long.MAX_VALUE ? Long.MAX_VALUE : start + limit.nanos();
            boolean unflushed = false;
            long lastFlush = start;
            String end;
            try {
                while (true) {
                    if (writer.frames() >= limit.frames()) {
                        end = "count reached";
                        break;
                    }
                    if (stopRequested || Thread.interrupted()) {
                        interrupted = true;
                        end = "interrupted";
                        break;
                    }
                    if (System.nanoTime() - deadline >= 0 && deadline != Long.MAX_VALUE) {
                        end = "time limit reached";
                        break;
                    }
                    FrameView v = socket.receive(from);
                    if (v == null) {
                        long now = System.nanoTime();
                        if (unflushed && now - lastFlush >= FLUSH_INTERVAL_NANOS) {
                            // a quiet moment: let a reader of the temporary file see what came so far (not at
                            // every gap between bursts: a write(2) each time, and the JDK's channel allocates)
                            writer.flush();
                            unflushed = false;
                            lastFlush = now;
                        }
                        continue;
                    }
                    write(v);
                    unflushed = true;
                }
            } catch (java.nio.channels.ClosedChannelException | IllegalStateException e) {
                if (socket.isOpen()) {
                    throw e;
                }
                end = "the socket was closed (the provider stopped)";
            }
            elapsedNanos = System.nanoTime() - start;
            return end;
        }

        private void write(FrameView v) throws IOException {
            // the view is the frame as it was on the wire (its outer tag in place) and reads only that frame:
            // copy it into this capture's buffer, and write from there
            int len = Math.min(v.length(), MAX_FRAME);
            v.copyTo(0, frame, 0, len);
            MemorySegment seg = frame;
            long off = 0;
            int original = Math.max(from.originalLength(), len);
            if (pcapng != null) {
                pcapng.write(interfaceOf(from), from.timestampNanos(), seg, off, len, original);
            } else {
                writer.write(from.timestampNanos(), seg, off, len, original);
            }
        }

        /**
         * Closes the socket and the writer and puts the temporary file at the target's name: without
         * {@code force} by a hard link, which fails rather than replace anything that appeared there
         * meanwhile; with it by rename(2), which replaces the name itself (a symbolic link there is
         * replaced, its target untouched).
         */
        void complete(boolean force) throws IOException {
            closeSocket();
            writer.close();
            if (force) {
                Files.move(temp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } else {
                try {
                    Files.createLink(path, temp);
                } catch (FileAlreadyExistsException e) {
                    throw new IOException("capture file " + path + " appeared while capturing: kept it, give " + FORCE
                            + " to replace it (the capture is lost)", e);
                } catch (UnsupportedOperationException | FileSystemException e) {
                    // a file system without hard links: a plain move, which checks for the target first
                    Files.move(temp, path);
                    completed = true;
                    return;
                }
                Files.delete(temp);
            }
            completed = true;
        }

        private void closeSocket() {
            if (socket != null) {
                socket.close();
                drops = socket.drops(); // final once closed
            }
        }

        @Override
        public void close() throws IOException {
            try {
                closeSocket();
            } finally {
                try {
                    writer.close();
                } finally {
                    arena.close();
                    if (!completed) {
                        Files.deleteIfExists(temp); // ours, created exclusively; the target is never touched
                    }
                }
            }
        }
    }
}
