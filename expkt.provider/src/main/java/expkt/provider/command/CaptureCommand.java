package expkt.provider.command;

import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.Filter;
import expkt.api.packet.FrameView;
import expkt.api.packet.Port;
import expkt.packet.pcap.CaptureFormat;
import expkt.packet.pcap.CaptureWriter;
import expkt.packet.pcap.PcapngWriter;
import expkt.provider.osgi.L2Provider;
import expkt.provider.socket.L2Engine;
import expkt.provider.core.Owner;
import expkt.provider.socket.PacketSocketImpl;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Gogo command {@code expkt:capture <filter> <file> [count|seconds]}: opens a packet socket of the
 * provider's own, sets one filter parsed from {@code <filter>} ({@code key=value} pairs separated by
 * commas: {@code dstmac}, {@code ethertype}, {@code action}, {@code direction}, {@code vr},
 * {@code ethertype_offset}), and writes every frame it brings up into {@code <file>} until the count or
 * the time is reached or the thread is interrupted (Ctrl-C: see {@link SigintBridge}). A {@code .pcapng} file gets one
 * interface per port (named {@code "1:2 (p2)"}); any other name gives pcap with nanosecond timestamps.
 * Timestamps are the kernel's receive timestamps from the ring; a tag the kernel moved into the ring's
 * metadata is written back into the frame's bytes (with its TPID and whole TCI), so the file shows the
 * frame as it was on the wire.
 *
 * <p>The action defaults to {@code up_and_continue}: a capture never takes frames away from the data
 * plane unless {@code action=up_and_drop} is given. The socket, its filter and its nftables rules are
 * removed when the command ends, however it ends.
 *
 * <p>Threading: each call runs on the caller's thread (it blocks while capturing); calls from several
 * Gogo sessions run side by side, each with its own socket, filter name and writer. The receive loop
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
    private static final AtomicInteger NEXT_NAME = new AtomicInteger(1);
    /** How long one receive waits, so that the time limit and an interrupt are noticed. */
    private static final Duration RECEIVE_SLICE = Duration.ofMillis(100);
    private static final int MAX_FRAME = 1 << 16;
    /** The file is flushed when no frame is waiting, at most this often. */
    private static final long FLUSH_INTERVAL_NANOS = 200_000_000L;
    private static final ValueLayout.OfShort BE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private final Supplier<L2Engine> engine;
    private final Owner owner;

    @Activate
    public CaptureCommand(@Reference L2Provider provider, BundleContext context) {
        this(provider::engine, new Owner(context.getBundle().getBundleId(),
                context.getBundle().getSymbolicName() + " (expkt:capture)"));
    }

    /**
     * Outside OSGi (tests): captures on {@code engine}'s data plane, sockets owned by {@code owner}. A
     * factory, not a constructor: SCR would try (and complain about) every two-argument constructor.
     */
    public static CaptureCommand on(L2Engine engine, Owner owner) {
        return new CaptureCommand(() -> engine, owner);
    }

    private CaptureCommand(Supplier<L2Engine> engine, Owner owner) {
        this.engine = engine;
        this.owner = owner;
    }

    /** {@code expkt:capture <filter> <file>}: for {@link #DEFAULT_DURATION}. */
    public String capture(String filter, String file) throws IOException {
        return capture(filter, file, DEFAULT_DURATION.toSeconds() + "s");
    }

    /** {@code expkt:capture <filter> <file> <count|seconds>}: {@code 100} frames or {@code 10s}. */
    public String capture(String filter, String file, String limit) throws IOException {
        return capture(filter, file, limit, System.out);
    }

    /** As {@link #capture(String, String, String)}, saying on {@code out} when it starts. */
    public String capture(String filter, String file, String limit, PrintStream out) throws IOException {
        Limit lim = Limit.parse(limit);
        Map<String, String> spec = parseSpec(filter);
        L2Engine e = engine.get();
        String name = freeName(e);
        Filter f = toFilter(name, spec);
        if (file == null || file.isBlank()) {
            throw new IllegalArgumentException("capture file name is empty");
        }
        Path path = Path.of(file.strip());
        if (Files.isDirectory(path)) {
            throw new IllegalArgumentException("capture file " + path + " is a directory");
        }
        boolean pcapng = path.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".pcapng");
        List<Port> ports = e.model().ports();
        Session session = new Session(path, pcapng, ports);
        String end;
        try (session) {
            PacketSocketImpl socket = e.open(owner);
            session.socket = socket;
            socket.setupFilter(f);
            session.discardFile = false; // from here on the file is the capture, even an empty one
            socket.setTimeout(RECEIVE_SLICE);
            boolean ctrlC = SigintBridge.enter();
            try {
                if (out != null) {
                    out.println("capturing " + f.name() + " (" + describe(f) + ") into " + path + " until " + lim
                            + (ctrlC ? "; Ctrl-C stops" : ""));
                    out.flush();
                }
                e.log().info("expkt:capture " + f.name() + " (" + describe(f) + ") into " + path + " until " + lim);
                end = session.run(lim);
            } finally {
                SigintBridge.exit();
            }
        }
        // closed: the count of drops is final, the file complete
        String summary = f.name() + ": " + session.writer.frames() + " frame(s) written to " + path
                + (pcapng ? " (pcapng)" : " (pcap, ns)") + ", " + session.socket.drops() + " dropped by the kernel, "
                + String.format(Locale.ROOT, "%.1f s", session.elapsedNanos / 1e9) + ", " + end;
        e.log().info("expkt:capture " + summary);
        if (session.interrupted) {
            Thread.currentThread().interrupt(); // the caller's interrupt is kept for it to see
        }
        return summary + "\n";
    }

    private static String describe(Filter f) {
        return f.describeMatch() + ", " + f.action() + ", " + f.direction() + (f.vr() == null ? "" : ", " + f.vr());
    }

    /** The first {@code capture-<n>} no filter on the host has. */
    private static String freeName(L2Engine e) {
        while (true) {
            String n = NAME_PREFIX + NEXT_NAME.getAndIncrement();
            if (e.registry().get(n) == null) {
                return n;
            }
        }
    }

    /** The spec's {@code key=value} pairs, in order; a bad pair or a repeated key is named. */
    static Map<String, String> parseSpec(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("capture filter is empty: give e.g. ethertype=0x0842 or dstmac=01:80:C2:00:00:0E");
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (String part : spec.split(",", -1)) {
            String p = part.strip();
            int eq = p.indexOf('=');
            if (eq <= 0 || eq == p.length() - 1) {
                throw new IllegalArgumentException("capture filter element \"" + part + "\" of \"" + spec
                        + "\" is not key=value (keys: dstmac, ethertype, action, direction, vr, ethertype_offset)");
            }
            String key = p.substring(0, eq).strip().toLowerCase(Locale.ROOT);
            String value = p.substring(eq + 1).strip();
            if (m.put(key, value) != null) {
                throw new IllegalArgumentException("capture filter key \"" + key + "\" is given twice in \"" + spec + "\"");
            }
        }
        return m;
    }

    /** The filter the spec describes, named {@code name}; every unknown key or bad value is named. */
    static Filter toFilter(String name, Map<String, String> spec) {
        Filter.Builder b = Filter.named(name);
        for (Map.Entry<String, String> kv : spec.entrySet()) {
            String v = kv.getValue();
            switch (kv.getKey()) {
                case "dstmac" -> b.dstmac(v);
                case "ethertype" -> b.ethertype(number("ethertype", v, 0, 0xFFFF));
                case "action" -> b.action(v);
                case "direction" -> b.direction(v);
                case "vr" -> b.vr(v);
                case "ethertype_offset", "ethertypeoffset" -> b.ethertypeOffset(number("ethertype_offset", v, 0, MAX_FRAME - 2));
                default -> throw new IllegalArgumentException("capture filter key \"" + kv.getKey()
                        + "\" is unknown (keys: dstmac, ethertype, action, direction, vr, ethertype_offset)");
            }
        }
        return b.build();
    }

    private static int number(String key, String text, int min, int max) {
        long v;
        try {
            String t = text.toLowerCase(Locale.ROOT);
            v = t.startsWith("0x") ? Long.parseLong(t.substring(2), 16) : Long.parseLong(t);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " \"" + text + "\" is not a number (decimal or 0x hex)");
        }
        if (v < min || v > max) {
            throw new IllegalArgumentException(key + " " + text + " is outside " + min + "..0x" + Integer.toHexString(max));
        }
        return (int) v;
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
     * One capture: the file's writer, the socket, and the receive loop. Closing it closes the socket
     * (filter and rules go with it) and the writer, and deletes the file when nothing was captured
     * because the filter was refused.
     */
    private static final class Session implements AutoCloseable {
        private final Path path;
        private final CaptureWriter writer;
        private final PcapngWriter pcapng;
        private final Arena arena = Arena.ofConfined();
        /** A frame with its tag written back: the tag is not in the ring's bytes. */
        private final MemorySegment tagged = arena.allocate(MAX_FRAME + 4, 8);
        private final ExosSockAddr from = new ExosSockAddr();
        /** pcapng interface ids by port ifindex, in the order they were added. */
        private int[] ifIndexes;
        private int interfaces;
        PacketSocketImpl socket;
        /** Until the filter is set, a failure leaves no file behind. */
        boolean discardFile = true;
        boolean interrupted;
        long elapsedNanos;

        Session(Path path, boolean pcapngFormat, List<Port> ports) throws IOException {
            this.path = path;
            try {
                if (pcapngFormat) {
                    FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                            StandardOpenOption.TRUNCATE_EXISTING);
                    try {
                        pcapng = new PcapngWriter(ch, CaptureWriter.DEFAULT_SNAPLEN, CaptureWriter.LINKTYPE_ETHERNET,
                                ports.isEmpty() ? "no port" : interfaceName(ports.getFirst()));
                    } catch (IOException | RuntimeException e) {
                        ch.close();
                        throw e;
                    }
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
                    writer = CaptureWriter.open(path, CaptureFormat.PCAP);
                }
            } catch (IOException e) {
                arena.close();
                throw new IOException("cannot create capture file " + path + ": " + e, e);
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

        /** Receives and writes until the limit or an interrupt; returns why it stopped. */
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
                    if (Thread.interrupted()) {
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
                            // a quiet moment: let a reader of the file see what came so far (not at every
                            // gap between bursts: a write(2) each time, and the JDK's channel allocates)
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
            MemorySegment seg = v.segment();
            long off = v.offset();
            int len = v.length();
            if (from.vlanId() != ExosSockAddr.NO_VLAN && len >= 12 && len <= MAX_FRAME) {
                // the frame as it was on the wire: MACs, the tag the kernel moved into metadata, the rest
                MemorySegment.copy(seg, off, tagged, 0, 12);
                tagged.set(BE_SHORT, 12, (short) socket.lastVlanTpid());
                tagged.set(BE_SHORT, 14, (short) socket.lastVlanTci());
                MemorySegment.copy(seg, off + 12, tagged, 16, len - 12);
                seg = tagged;
                off = 0;
                len += 4;
            }
            int original = Math.max(from.originalLength(), len);
            if (pcapng != null) {
                pcapng.write(interfaceOf(from), from.timestampNanos(), seg, off, len, original);
            } else {
                writer.write(from.timestampNanos(), seg, off, len, original);
            }
        }

        @Override
        public void close() throws IOException {
            try {
                if (socket != null) {
                    socket.close();
                }
            } finally {
                try {
                    writer.close();
                } finally {
                    arena.close();
                    if (discardFile) {
                        Files.deleteIfExists(path);
                    }
                }
            }
        }
    }
}
