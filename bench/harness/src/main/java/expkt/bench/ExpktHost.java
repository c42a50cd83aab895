package expkt.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The running expkt host with the benchmark bundle deployed: {@code java -jar} of the exported host
 * jar ({@code cnf/target/*.jar}, or {@code -Dexpkt.bench.hostJar}), data plane = the lab's switch
 * namespace ({@code -Dexpkt.dataplane.netns}), the sink bundle dropped into its FileInstall
 * directory, and the bundle's mode and status file given as framework (system) properties.
 */
final class ExpktHost implements AutoCloseable {
    /** The provider's dispatcher thread (comm: the first 15 characters of the Java thread name). */
    static final String DISPATCHER_THREAD = "expkt-dispatch";
    /** How often the bundle rewrites its status file (BenchStatus.PERIOD_MS). */
    static final long STATUS_PERIOD_MS = 250;
    static final int RING_BLOCK_SIZE = 512 * 1024;
    static final int RING_BLOCKS = 8;
    /**
     * The block retire timeout of the contenders' ring: c-ring's (bench/c/cring.c, 10 ms; tcpdump's is
     * libpcap's 1 s). With the provider's default of 2 ms expkt alone was woken up to 5 times as often
     * as c-ring at the rates of setup A (a block of 512 KiB holds ~3,000 frames of 64 B, so at ~100-250 k
     * matching frames/s every block is retired by the timer): a per-wake-up cost that c-ring did not pay.
     */
    static final int RING_RETIRE_MS = 10;

    /** Where JFR recordings of the host go ({@code --profile}), or null. */
    static volatile Path PROFILE_DIR;
    private static final Pattern FIELD = Pattern.compile("(\\w+)=(\\S+)");
    private final Spawned process;
    private final Path status;
    private final Path deploy;
    private final Path sinkJar;

    private ExpktHost(Spawned process, Path status, Path deploy, Path sinkJar) {
        this.process = process;
        this.status = status;
        this.deploy = deploy;
        this.sinkJar = sinkJar;
    }

    /** Why the expkt contenders cannot run here, or empty if they can. */
    static Optional<String> unavailable(Path benchHome) {
        if (hostJar(benchHome).isEmpty()) {
            return Optional.of("no expkt host jar in cnf/target (the runnable host and the L2 provider have not landed"
                    + " in this tree; build them with mvn verify, or give -Dexpkt.bench.hostJar)");
        }
        if (sinkJar(benchHome).isEmpty()) {
            return Optional.of("the benchmark bundle bench/sink/target/expkt.bench.sink-*.jar is not built");
        }
        return Optional.empty();
    }

    static Optional<Path> hostJar(Path benchHome) {
        String given = System.getProperty("expkt.bench.hostJar");
        if (given != null && !given.isBlank()) {
            return Optional.of(Path.of(given)).filter(Files::isRegularFile);
        }
        return jarIn(benchHome.resolve("../cnf/target").normalize(), "");
    }

    static Optional<Path> sinkJar(Path benchHome) {
        return jarIn(benchHome.resolve("sink/target"), "expkt.bench.sink");
    }

    private static Optional<Path> jarIn(Path dir, String prefix) {
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".jar"))
                    .filter(p -> p.getFileName().toString().startsWith(prefix))
                    .filter(p -> !p.getFileName().toString().contains("-sources") && !p.getFileName().toString().contains("-tests"))
                    .sorted().findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Starts the host pinned to {@code cpu}, with {@code props} as extra framework properties
     * ({@code expkt.bench.mode} etc.), and waits until the bundle writes {@code state=ready}.
     */
    static ExpktHost start(Path benchHome, Path work, String switchNs, int cpu, Map<String, String> props, PrintStream log) {
        return start(benchHome, work, switchNs, cpu, props, true, log);
    }

    /**
     * As above; {@code contendersRing} false leaves the provider's own default ring (256 x 16 KiB):
     * for the upgrade workload, where what matters is how long a stalled reader's frames can queue
     * (256 blocks retired every 2 ms hold ~0.5 s of a 100 kpps stream, 8 blocks ~16 ms).
     */
    static ExpktHost start(Path benchHome, Path work, String switchNs, int cpu, Map<String, String> props,
                           boolean contendersRing, PrintStream log) {
        return start(benchHome, work, switchNs, cpu, props, contendersRing, List.of(), log);
    }

    /** As above, with {@code bundles} deployed beside the sink (the forward workload: the demo's protocol bundles). */
    static ExpktHost start(Path benchHome, Path work, String switchNs, int cpu, Map<String, String> props,
                           boolean contendersRing, List<Path> bundles, PrintStream log) {
        Path jar = hostJar(benchHome).orElseThrow(() -> new BenchException(unavailable(benchHome).orElse("no host jar")));
        Path sink = sinkJar(benchHome).orElseThrow(() -> new BenchException("no benchmark bundle"));
        try {
            Path deploy = Files.createDirectories(work.resolve("deploy"));
            Path status = work.resolve("expkt-status");
            Files.deleteIfExists(status);
            Files.deleteIfExists(work.resolve("expkt-status.generations"));
            try (Stream<Path> old = Files.list(deploy)) {
                for (Path p : old.filter(p -> p.getFileName().toString().endsWith(".jar")).toList()) {
                    Files.delete(p); // a previous run's extra bundles
                }
            }
            Files.copy(sink, deploy.resolve("expkt.bench.sink.jar"), StandardCopyOption.REPLACE_EXISTING);
            for (Path b : bundles) {
                Files.copy(b, deploy.resolve(b.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
            // the same receive ring memory as c-ring, tcpdump -B 4096 and the pcap4j reader: 8 x 512 KiB,
            // retired after c-ring's 10 ms (RING_RETIRE_MS).
            // The keys are the provider's (DS maps ring_block_size() to "ring.block.size"): "ring_block_size"
            // was silently ignored, so expkt ran with the default 16 KiB blocks, a wake-up per ~10 frames of 1514 B
            Path ringCfg = deploy.resolve("expkt.dataplane.cfg");
            if (contendersRing) {
                Files.writeString(ringCfg, "ring.block.size=" + RING_BLOCK_SIZE + "\nring.block.count=" + RING_BLOCKS
                        + "\nring.retire.ms=" + RING_RETIRE_MS + "\n");
            } else {
                Files.deleteIfExists(ringCfg);
            }
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                    // as ./expkt host runs it (the VR bundle may bind JDK channels to a VRF device)
                    "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
                    "-Dexpkt.dataplane.netns=" + switchNs,
                    "-Dfelix.fileinstall.dir=" + deploy, "-Dfelix.fileinstall.poll=500",
                    "-Dfelix.fileinstall.noInitialDelay=true", "-Dgosh.args=--nointeractive",
                    "-Dexpkt.bench.status=" + status));
            Path jvmArgs = benchHome.getParent().resolve("cnf").resolve("host-jvm.args");
            if (Files.isRegularFile(jvmArgs)) {
                cmd.add("@" + jvmArgs); // the host's JVM options, as ./expkt host passes them
            }
            props.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
            String extra = System.getProperty("expkt.bench.hostJvmArgs", "");
            if (!extra.isBlank()) {
                cmd.addAll(List.of(extra.strip().split("\\s+")));
            }
            if (PROFILE_DIR != null) {
                // --profile: a JFR recording of every expkt run, for the README's performance section
                cmd.add("-XX:StartFlightRecording=settings=profile,filename=" + PROFILE_DIR.resolve("expkt-"
                        + props.getOrDefault("expkt.bench.mode", "host") + "-" + System.currentTimeMillis() + ".jfr"));
            }
            cmd.addAll(List.of("-jar", jar.toString()));
            // the host writes run/expkt.log under its working directory: keep it in the work dir
            Spawned p = Spawned.start("expkt-host", null, cpu, cmd, log, work);
            ExpktHost host = new ExpktHost(p, status, deploy, sink);
            try {
                host.awaitState("ready|done|sending|starting", 60_000);
            } catch (RuntimeException e) {
                host.close(); // a host that never got ready must not outlive the run (it held the run directory's lock)
                throw e;
            }
            return host;
        } catch (IOException e) {
            throw new BenchException("cannot prepare the expkt host: " + e.getMessage(), e);
        }
    }

    /** The FileInstall directory the host watches. */
    Path deployDir() {
        return deploy;
    }

    long pid() {
        return process.pid();
    }

    /** The status file's fields (gen, state, frames, drops, alloc, ...), freshly read. */
    Map<String, String> status() {
        try {
            if (!Files.exists(status)) {
                return Map.of();
            }
            Map<String, String> m = new java.util.LinkedHashMap<>();
            Matcher x = FIELD.matcher(Files.readString(status));
            while (x.find()) {
                m.put(x.group(1), x.group(2));
            }
            return m;
        } catch (IOException e) {
            return Map.of();
        }
    }

    /** One line per ended activation of the sink (for the hot-upgrade count). */
    List<Map<String, String>> generations() {
        Path g = status.resolveSibling(status.getFileName() + ".generations");
        List<Map<String, String>> out = new ArrayList<>();
        try {
            if (Files.exists(g)) {
                for (String line : Files.readAllLines(g)) {
                    Map<String, String> m = new java.util.LinkedHashMap<>();
                    Matcher x = FIELD.matcher(line);
                    while (x.find()) {
                        m.put(x.group(1), x.group(2));
                    }
                    out.add(m);
                }
            }
        } catch (IOException e) {
            throw new BenchException("cannot read " + g + ": " + e.getMessage(), e);
        }
        return out;
    }

    Map<String, String> awaitState(String stateRegex, long timeoutMs) {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline) {
            Map<String, String> s = status();
            if (s.containsKey("state") && s.get("state").matches(stateRegex)) {
                return s;
            }
            if (!process.alive()) {
                throw new BenchException("the expkt host exited before the benchmark bundle was " + stateRegex + ": " + process.tail());
            }
            sleep(50);
        }
        throw new BenchException("the benchmark bundle did not reach state " + stateRegex + " within " + timeoutMs
                + " ms (status " + status() + "); host output: " + process.tail());
    }

    /** Replaces the deployed bundle (FileInstall updates it in place): the hot-upgrade step. */
    void redeploy() {
        try {
            Path target = deploy.resolve("expkt.bench.sink.jar");
            Path tmp = deploy.resolve(".expkt.bench.sink.jar.tmp");
            // bytes that differ from the running jar (one manifest header): the host's deploy guard leaves
            // alone a jar whose bundle runs it byte for byte, so an identical copy would update nothing
            try (var in = new java.util.jar.JarInputStream(Files.newInputStream(sinkJar))) {
                var manifest = new java.util.jar.Manifest(in.getManifest());
                manifest.getMainAttributes().putValue("X-Bench-Redeploy", Long.toString(System.nanoTime()));
                try (var out = new java.util.jar.JarOutputStream(Files.newOutputStream(tmp), manifest)) {
                    for (java.util.jar.JarEntry e; (e = in.getNextJarEntry()) != null;) {
                        out.putNextEntry(new java.util.jar.JarEntry(e.getName()));
                        in.transferTo(out);
                        out.closeEntry();
                    }
                }
            }
            Files.setLastModifiedTime(tmp, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis()));
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new BenchException("cannot redeploy the benchmark bundle: " + e.getMessage(), e);
        }
    }

    /** The host as a receiver of the RX benchmark (mode sink). */
    Receiver asReceiver() {
        return new Receiver() {
            @Override
            public long pid() {
                return process.pid();
            }

            @Override
            public String hotThread() {
                return DISPATCHER_THREAD;
            }

            @Override
            public Counts snapshot() {
                sleep(STATUS_PERIOD_MS + 50); // a status period: the file is fresh
                Map<String, String> s = status();
                return new Counts(Long.parseLong(s.getOrDefault("frames", "0")), Long.parseLong(s.getOrDefault("drops", "0")));
            }

            @Override
            public void close() {
                ExpktHost.this.close();
            }
        };
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted", e);
        }
    }

    @Override
    public void close() {
        process.close();
    }
}
