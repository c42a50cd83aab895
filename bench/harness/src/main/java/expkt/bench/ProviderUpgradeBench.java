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
 * bundle, updated in place from the deploy directory as {@code expkt.provider.force.jar} (the deploy
 * guard refuses a plain {@code expkt.provider.jar}, because the update restarts the sink's component;
 * {@code *.force.jar} asks for it anyway). The jar is the host jar's own provider ({@code jar/expkt.provider-*.jar}).
 *
 * <p>Figures of today's state, not a target met: the sink's component is deactivated when the
 * provider stops (its static reference to {@code PacketService} goes) and activated again on the new
 * revision; the provider's sockets and rings are closed and opened again, so the frames queued in
 * the old ring and those arriving while no socket is open are lost. {@code lost} = matching frames
 * sent − frames taken by every activation of the sink; {@code swap_ms} = the sink's old activation
 * stopped → its new one ready; {@code provider_update_ms} = the deploy guard's own time for the
 * update (stop, replace, start of the provider, from its log line). The hitless design (a keeper that
 * owns the kernel resources and the services, a swappable engine behind it) is
 * {@code expkt.provider/DESIGN.md} step 3.
 */
final class ProviderUpgradeBench {
    static final String WORKLOAD = "upgrade-provider";
    private static final Pattern UPDATED = Pattern.compile("deploy: expkt\\.provider\\.force\\.jar updated bundle \\d+ in place: .* \\((\\d+) ms\\)");
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
            drop(providerJar, host.deployDir().resolve("expkt.provider.force.jar"));
            stream.join();
            Map<String, String> now = host.awaitState("ready", 30_000);
            if (gen0.equals(now.get("gen"))) {
                return Row.failed(WORKLOAD, "expkt", "the sink was not restarted by the provider update (same activation " + gen0
                        + "): was the provider updated? " + tail(hostLog));
            }
            Long updateMs = awaitUpdateMs(hostLog, 30_000);
            ExpktHost.sleep(1500);
            now = host.status();
            List<Map<String, String>> ended = host.generations();
            long received = Long.parseLong(now.get("frames"));
            for (Map<String, String> g : ended) {
                received += Long.parseLong(g.get("frames"));
            }
            long expected = frames / 2;
            Map<String, String> old = ended.get(ended.size() - 1);
            double swapMs = (Long.parseLong(now.get("ready_ns")) - Long.parseLong(old.get("stopped_ns"))) / 1e6;
            return new Row(WORKLOAD, "expkt").put("frames", received).put("expected", expected)
                    .put("lost", expected - received).put("swap_ms", RxBench.round(swapMs)).put("pps", 100_000)
                    .put("offered_pps", burst.get() != null ? Math.round(burst.get().pps()) : null)
                    .put("provider_update_ms", updateMs)
                    .put("note", "today the sink's component restarts with the provider and the rings are reopened;"
                            + " lost = matching frames sent - frames taken by every activation of the sink");
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
            try (InputStream in = zip.getInputStream(e)) {
                Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
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
