package expkt.bench;

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
 * <p>What is measured: the sink's component stays active (the keeper replays its socket, filter and
 * callback on the new engine), but the provider's sockets and rings are still closed and opened again,
 * so the frames queued in the old ring and those arriving while no socket is open are lost (handing
 * the kernel part over is what is left of {@code expkt.provider/DESIGN.md} step 3). {@code lost} =
 * matching frames sent − frames taken by the sink (every activation of it, if it was restarted:
 * {@code sink_restarted}); {@code swap_ms} = the sink's old activation stopped → its new one ready,
 * only when it was restarted; {@code provider_update_ms} = the deploy guard's own time for the update
 * (stop, replace, start of the provider, from its log line).
 */
final class ProviderUpgradeBench {
    static final String WORKLOAD = "upgrade-provider";
    private static final Pattern UPDATED = Pattern.compile("deploy: expkt\\.provider\\.jar updated bundle \\d+ in place: .* \\((\\d+) ms\\)");
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
                     Map.of("expkt.bench.mode", "sink"), false, log)) {
            Path providerJar = providerOfHostJar(ctx.work());
            Path hostLog = ctx.work().resolve("run/expkt.log");
            Generator gen = new Generator.Trafgen(setup.host, "veth0", setup.hostMac, 60, RxBench.GEN_CPU, ctx.work(), log,
                    "100000pps");
            String gen0 = host.status().get("gen");
            var burst = new java.util.concurrent.atomic.AtomicReference<Generator.Burst>();
            Thread stream = Thread.ofPlatform().start(() -> burst.set(gen.send(frames)));
            ExpktHost.sleep(frames / 100_000 * 1000 / 3);
            drop(providerJar, host.deployDir().resolve("expkt.provider.jar"));
            stream.join();
            Long updateMs = awaitUpdateMs(hostLog, 30_000);
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
            ExpktHost.sleep(1500);
            now = host.status();
            boolean restarted = !gen0.equals(now.get("gen"));
            List<Map<String, String>> ended = host.generations();
            long received = Long.parseLong(now.get("frames"));
            for (Map<String, String> g : ended) {
                received += Long.parseLong(g.get("frames"));
            }
            long expected = frames / 2;
            Double swapMs = null;
            if (restarted && !ended.isEmpty()) {
                Map<String, String> old = ended.get(ended.size() - 1);
                swapMs = RxBench.round((Long.parseLong(now.get("ready_ns")) - Long.parseLong(old.get("stopped_ns"))) / 1e6);
            }
            return new Row(WORKLOAD, "expkt").put("frames", received).put("expected", expected)
                    .put("lost", expected - received).put("swap_ms", swapMs).put("pps", 100_000)
                    .put("offered_pps", burst.get() != null ? Math.round(burst.get().pps()) : null)
                    .put("provider_update_ms", updateMs).put("sink_restarted", restarted ? 1L : 0L)
                    .put("note", restarted
                            ? "the sink's component was restarted with the provider; lost = matching frames sent - frames taken by every activation of the sink"
                            : "the sink's component stayed active (the keeper replayed its socket on the new engine); the rings are still reopened:"
                            + " lost = matching frames sent - frames the sink took");
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

    private static Long awaitUpdateMs(Path hostLog, long timeoutMs) throws IOException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline) {
            if (Files.exists(hostLog)) {
                Matcher m = UPDATED.matcher(Files.readString(hostLog));
                if (m.find()) {
                    return Long.parseLong(m.group(1));
                }
            }
            ExpktHost.sleep(100);
        }
        throw new BenchException("the host did not log the provider update within " + timeoutMs + " ms: " + tail(hostLog));
    }

    private static String tail(Path hostLog) {
        try {
            List<String> lines = Files.readAllLines(hostLog);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 8), lines.size()));
        } catch (IOException e) {
            return "(no host log: " + e.getMessage() + ")";
        }
    }
}
