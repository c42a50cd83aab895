package expkt.bench;

import static expkt.bench.SeqAccounting.num;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The {@code upgrade-provider} workload: the same stream and sink as {@code upgrade} (100 kpps,
 * the provider's default ring), but what is replaced is the platform under the sink — the provider
 * bundle, updated in place from the deploy directory as {@code expkt.provider.jar} (not refused: since
 * the keeper holds the sink's {@code PacketService}, the update restarts no other bundle's component).
 * The jar is the host jar's own provider ({@code jar/expkt.provider-*.jar}) with one manifest header
 * changed (the deploy guard leaves alone a jar its bundle already runs byte for byte).
 *
 * <p>What is measured: every matching frame carries a sequence number (trafgen's runtime counter,
 * {@link Generator.Trafgen#sequenced}) and the sink accounts for each (bench/sink's {@code SeqTracker}:
 * distinct numbers, duplicates, late ones, gaps). {@code lost} = matching frames sent − distinct numbers
 * received; {@code ring_drops} = the sink socket's kernel {@code PACKET_STATISTICS} drops (its ring was
 * full: the frame reached the socket and found no room); {@code lost_in_swap} = lost − ring_drops, the
 * frames that never reached the socket (no socket, or no punt path, at that moment; or dropped before
 * the socket, e.g. a backlog); {@code duplicates}, {@code reordered}; where the gaps were (sequence
 * numbers, when the sink saw them) against the update's window, all in ms after the
 * jar was dropped. {@code swap_ms} = the sink's old activation stopped → its new one ready, only when
 * it was restarted ({@code sink_restarted}); {@code provider_update_ms} = the deploy guard's own time for
 * the update (stop, replace, start of the provider, from its log line).
 */
final class ProviderUpgradeBench {
    static final String WORKLOAD = "upgrade-provider";
    private static final Pattern UPDATED = Pattern.compile("(?m)^(\\d\\d:\\d\\d:\\d\\d\\.\\d{3}) .*deploy: expkt\\.provider\\.jar updated bundle \\d+ in place: .* \\((\\d+) ms\\)");
    private final Bench.Context ctx;

    ProviderUpgradeBench(Bench.Context ctx) {
        this.ctx = ctx;
    }

    Row run() {
        PrintStream log = ctx.log();
        log.printf("%n== %s: the provider bundle is updated under a steady stream%n", WORKLOAD);
        var noHost = ExpktHost.unavailable(ctx.benchHome());
        if (noHost.isPresent()) {
            return Row.notRun(WORKLOAD, "expkt", noHost.get());
        }
        long frames = ctx.quick() ? 200_000 : 1_000_000;
        try (RxSetup setup = RxSetup.plain();
             ExpktHost host = ExpktHost.start(ctx.benchHome(), ctx.work(), setup.sw, RxBench.RX_CPU,
                     Map.of("expkt.bench.mode", "sink", "expkt.bench.seq", "true"), false, log)) {
            Path providerJar = providerOfHostJar(ctx.work());
            Path hostLog = ctx.work().resolve("run/expkt.log");
            Generator gen = Generator.Trafgen.sequenced(setup.host, "veth0", setup.hostMac, RxBench.GEN_CPU, ctx.work(), log,
                    "100000pps");
            String gen0 = host.status().get("gen");
            var burst = new java.util.concurrent.atomic.AtomicReference<Generator.Burst>();
            Thread stream = Thread.ofPlatform().start(() -> burst.set(gen.send(frames)));
            ExpktHost.sleep(frames / 100_000 * 1000 / 3);
            // the clocks the gaps are placed against: the sink's System.nanoTime is CLOCK_MONOTONIC as
            // ours is; the host log's times are wall clock (HH:mm:ss.SSS)
            // what was lost before the update began (the host still warming up under the stream), from the
            // sink's status of at most one status period (250 ms) ago
            Map<String, String> atDrop = host.status();
            long dropNs = System.nanoTime();
            long dropWallMs = System.currentTimeMillis();
            drop(providerJar, host.deployDir().resolve("expkt.provider.jar"));
            stream.join();
            Update update = awaitUpdate(hostLog, 30_000);
            // a sink restarted by the update (no keeper) says "ready" in its old activation's status until the
            // new one writes its own: wait until the status is "ready" and, if the activation changed, its own
            Map<String, String> now = host.status();
            long readyDeadline = System.currentTimeMillis() + 30_000;
            while (!"ready".equals(now.get("state")) && System.currentTimeMillis() < readyDeadline) {
                ExpktHost.sleep(50);
                now = host.status();
            }
            if (!"ready".equals(now.get("state"))) {
                return Row.failed(WORKLOAD, "expkt", "the sink was not ready within 30 s of the provider update (activation before "
                        + gen0 + ", status now " + now + "): " + tail(hostLog));
            }
            long sent = burst.get() != null ? burst.get().frames() : frames;
            long expected = (sent + 1) / 2; // the first frame of the config matches: 1, 3, 5, ... of the stream
            now = SeqAccounting.settle(host, expected, 0);
            if (!now.containsKey("seq_unique")) {
                return Row.failed(WORKLOAD, "expkt", "the sink reports no sequence accounting (status " + now + ")");
            }
            boolean restarted = !gen0.equals(now.get("gen"));
            List<Map<String, String>> ended = host.generations();
            long received = num(now, "frames");
            long ringDrops = num(now, "drops");
            for (Map<String, String> g : ended) {
                received += num(g, "frames");
                ringDrops += num(g, "drops");
            }
            Double swapMs = null;
            if (restarted && !ended.isEmpty()) {
                Map<String, String> old = ended.get(ended.size() - 1);
                swapMs = RxBench.round((num(now, "ready_ns") - num(old, "stopped_ns")) / 1e6);
            }
            // the tracker outlives a restart of the sink's component (one per bundle), so the last status holds all of it
            Row row = new Row(WORKLOAD, "expkt").put("frames", received).put("expected", expected);
            SeqAccounting.put(row, now, atDrop, expected, ringDrops, dropNs);
            row.put("swap_ms", swapMs).put("pps", 100_000)
                    .put("offered_pps", burst.get() != null ? Math.round(burst.get().pps()) : null)
                    .put("provider_update_ms", update.ms()).put("sink_restarted", restarted ? 1L : 0L);
            // when, relative to the jar's drop into the deploy directory: the update (from its log line's
            // time and duration), against the gaps' detection times (SeqAccounting)
            long updateEndMs = update.endWallMs(dropWallMs) - dropWallMs;
            row.put("update_from_ms", updateEndMs - update.ms()).put("update_to_ms", updateEndMs);
            return row.put("note", (restarted
                    ? "the sink's component was restarted with the provider (its sequence accounting went on); "
                    : "the sink's component stayed active (the keeper replayed its socket on the new engine); ")
                    + "lost = matching frames sent - distinct sequence numbers received = ring_drops (the socket's PACKET_STATISTICS drops)"
                    + " + lost_in_swap (never reached the socket); times in ms after the provider jar was dropped");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Row.failed(WORKLOAD, "expkt", "interrupted");
        } catch (IOException | RuntimeException e) {
            return Row.failed(WORKLOAD, "expkt", e.getMessage());
        }
    }

    /** The provider jar the host jar holds, copied out to {@code work}. */
    private Path providerOfHostJar(Path work) throws IOException {
        Path hostJar = ExpktHost.hostJar(ctx.benchHome()).orElseThrow(() -> new BenchException("no host jar"));
        try (ZipFile zip = new ZipFile(hostJar.toFile())) {
            ZipEntry e = zip.stream().filter(z -> z.getName().matches("jar/expkt\\.provider-.*\\.jar")).findFirst()
                    .orElseThrow(() -> new BenchException(hostJar + " holds no jar/expkt.provider-*.jar"));
            Path out = work.resolve("expkt.provider.jar");
            // one manifest header added: the deploy guard leaves alone a jar its bundle already runs byte for byte
            try (InputStream in = zip.getInputStream(e);
                 java.util.jar.JarInputStream jin = new java.util.jar.JarInputStream(in)) {
                java.util.jar.Manifest mf = new java.util.jar.Manifest(jin.getManifest());
                mf.getMainAttributes().putValue("X-Bench-Update", String.valueOf(System.nanoTime()));
                try (java.util.jar.JarOutputStream jout = new java.util.jar.JarOutputStream(Files.newOutputStream(out), mf)) {
                    for (java.util.jar.JarEntry je; (je = jin.getNextJarEntry()) != null; ) {
                        jout.putNextEntry(new java.util.jar.JarEntry(je.getName()));
                        jin.transferTo(jout);
                        jout.closeEntry();
                    }
                }
            }
            return out;
        }
    }

    /** Copies next to the directory, then moves in (FileInstall never sees half a jar). */
    private static void drop(Path jar, Path target) throws IOException {
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
        Files.copy(jar, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.setLastModifiedTime(tmp, FileTime.fromMillis(System.currentTimeMillis()));
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The deploy guard's log line of the update: its time of day (wall clock, ms) and duration. */
    record Update(java.time.LocalTime loggedAt, long ms) {
        /** The log line's time as epoch ms: the day whose instant is nearest to {@code nearWallMs}. */
        long endWallMs(long nearWallMs) {
            java.time.ZoneId zone = java.time.ZoneId.systemDefault();
            java.time.LocalDate day = java.time.Instant.ofEpochMilli(nearWallMs).atZone(zone).toLocalDate();
            long best = Long.MAX_VALUE;
            for (int d = -1; d <= 1; d++) {
                long t = day.plusDays(d).atTime(loggedAt).atZone(zone).toInstant().toEpochMilli();
                if (best == Long.MAX_VALUE || Math.abs(t - nearWallMs) < Math.abs(best - nearWallMs)) {
                    best = t;
                }
            }
            return best;
        }
    }

    private static Update awaitUpdate(Path hostLog, long timeoutMs) throws IOException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline) {
            if (Files.exists(hostLog)) {
                Matcher m = UPDATED.matcher(Files.readString(hostLog));
                if (m.find()) {
                    return new Update(java.time.LocalTime.parse(m.group(1)), Long.parseLong(m.group(2)));
                }
            }
            ExpktHost.sleep(100);
        }
        throw new BenchException("the host did not log the provider update within " + timeoutMs + " ms: " + tail(hostLog));
    }

    static String tail(Path hostLog) {
        try {
            List<String> lines = Files.readAllLines(hostLog);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 8), lines.size()));
        } catch (IOException e) {
            return "(no host log: " + e.getMessage() + ")";
        }
    }
}
