package expkt.host.deploy;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.felix.fileinstall.ArtifactInstaller;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.url.URLStreamHandlerService;

import org.osgi.service.component.runtime.ServiceComponentRuntime;

import expkt.host.update.FrameworkQueue;
import expkt.host.update.PlatformDir;
import expkt.host.update.UpdateImpact;

/**
 * Installs, updates and uninstalls the bundle jars of FileInstall's deploy directory in its place,
 * so that a bad jar never replaces a working bundle and an update never races the framework.
 *
 * <p>FileInstall, left alone, updates a bundle from whatever the file holds: random bytes written
 * over a running bundle's jar made it uninstall the bundle (its bundle transformer no longer
 * recognised the file, so FileInstall treated it as a deleted bundle, silently), and a corrupt new
 * jar produced no log line at all. As the highest-ranked {@link ArtifactInstaller} for {@code *.jar},
 * this component receives every jar event instead. Each jar is copied to a staging file (a later
 * write to the deploy directory cannot change what is checked), checked ({@link BundleJar}: a
 * complete jar and a bundle manifest; {@link Requirements}: what it needs is installed, the running
 * revision untouched), and only then installed or used to update the bundle in place. A refusal is
 * logged as an ERROR with the reason and shown by {@code expkt:deploy}; the running bundle stays.
 * If the updated bundle does not start, the previous jar (kept in this bundle's data area) is put
 * back.
 *
 * <p>Updates and the start-level thread: the bnd launcher sets the start level of every bundle it
 * sees INSTALLED or UPDATED (to {@code launch.startlevel.default}, 117, for bundles it did not
 * launch), which the framework applies later on its start-level thread; FileInstall meanwhile
 * stopped, refreshed and started the bundle on its own thread, and the two collided ("Unable to
 * acquire global lock for resolve", the bundle's start level 1 → 117). Here the bundle is updated in
 * one {@link Bundle#update(InputStream)} (the framework stops, replaces and restarts it under its
 * bundle lock), then the start-level queue is drained (a no-op framework start-level request is
 * queued behind the launcher's and awaited), the bundle's own start level is put back, and only a
 * revision still pending removal is refreshed, awaited with a deadline.
 *
 * <p>Platform bundles: a jar whose symbolic name is one of the host jar's bundles (installed from the
 * platform directory, {@link PlatformDir}) updates that bundle in place instead of installing a second
 * copy, after the same checks — and is refused if the update would restart other bundles'
 * components ({@link UpdateImpact}) unless the file is named {@code *.force.jar}. Deleting such a file
 * later leaves the platform bundle installed (it was not installed from the file).
 *
 * <p>Present only where FileInstall is: it needs FileInstall's {@code jardir} URL handler service,
 * which FileInstall registers before it looks at its directories.
 *
 * <p>Threading: FileInstall calls from its directory watcher threads; the calls are serialised on
 * this object. Every wait on the framework has a deadline ({@value #FRAMEWORK_WAIT_MS} ms).
 * {@link #deploy()} may be called from any thread.
 */
@Component(service = {ArtifactInstaller.class, DeployInstaller.class, DeployStatus.class}, immediate = true, property = {
        "service.ranking:Integer=1000",
        "osgi.command.scope=expkt",
        "osgi.command.function=deploy"})
public final class DeployInstaller implements ArtifactInstaller, DeployStatus {
    static final long FRAMEWORK_WAIT_MS = FrameworkQueue.FRAMEWORK_WAIT_MS;
    /** A platform bundle's jar named {@code *.force.jar} is applied even if other bundles restart. */
    static final String FORCE_SUFFIX = ".force.jar";

    private final BundleContext context;
    private final Logger log;
    private final Bundle system;
    private final FrameworkQueue queue;
    private final ServiceComponentRuntime scr;
    /** Where the host jar's bundles were installed from: a jar with one of their names updates that bundle. */
    private final PlatformDir platform;
    /** {@code felix.fileinstall.start.level}: the start level of newly installed bundles, 0 = the framework's default. */
    private final int startLevel;
    /** {@code felix.fileinstall.bundles.new.start}: start what is installed. */
    private final boolean startNew;
    private final Path dataDir;
    private final Map<String, DeployEntry> entries = new ConcurrentHashMap<>();

    @Activate
    public DeployInstaller(BundleContext context, @Reference(service = LoggerFactory.class) Logger log,
            @Reference(service = URLStreamHandlerService.class, target = "(url.handler.protocol=jardir)") URLStreamHandlerService fileInstall,
            @Reference ServiceComponentRuntime scr)
            throws IOException {
        // loaded now, not on FileInstall's first call: FileInstall's watcher can still call this object
        // after a refresh replaced expkt.host's wiring, whose class loader then loads nothing more
        // (NoClassDefFoundError DeployEntry$State, seen in PlatformUpdateIT)
        DeployEntry.State.values();
        this.scr = scr;
        this.platform = PlatformDir.of(context);
        this.context = context;
        this.log = log;
        this.system = context.getBundle(0);
        this.queue = new FrameworkQueue(system, log);
        this.startLevel = intProperty(context.getProperty("felix.fileinstall.start.level"));
        this.startNew = !"false".equalsIgnoreCase(context.getProperty("felix.fileinstall.bundles.new.start"));
        File area = context.getDataFile("deploy");
        this.dataDir = area != null ? area.toPath() : Files.createTempDirectory("expkt-deploy");
        Files.createDirectories(dataDir);
        adoptInstalled(context.getProperty("felix.fileinstall.dir"));
    }

    /**
     * Records the deploy directory's jars that are installed already: after a refresh or an update of
     * expkt.host this guard is a new instance, and FileInstall does not report the jars it knows again
     * (its {@code updateWithListeners} is off), so {@code expkt:deploy} showed them "waiting: not yet
     * picked up" while their bundles ran. The bundle at FileInstall's location for the file is the one
     * the file installed.
     */
    private void adoptInstalled(String dir) {
        if (dir == null) {
            return;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(Path.of(dir).toAbsolutePath().normalize(), "*.jar")) {
            for (Path f : files) {
                Bundle b = context.getBundle(location(f.toFile()));
                if (b == null) {
                    continue;
                }
                boolean running = (b.getState() & (Bundle.ACTIVE | Bundle.STARTING)) != 0 || !startNew;
                entries.putIfAbsent(key(f.toFile()), running
                        ? new DeployEntry(f.getFileName().toString(), DeployEntry.State.INSTALLED, b.getBundleId(), name(b), null, 0, now())
                        : new DeployEntry(f.getFileName().toString(), DeployEntry.State.NOT_STARTED, b.getBundleId(), name(b),
                                "found " + state(b) + " when the deploy guard (re)started", 0, now()));
            }
        } catch (IOException | RuntimeException e) {
            log.warn("deploy: cannot list {} to record the bundles installed from it: {}", dir, e.toString());
        }
    }

    private static String state(Bundle b) {
        return switch (b.getState()) {
            case Bundle.INSTALLED -> "INSTALLED (not resolved)";
            case Bundle.RESOLVED -> "RESOLVED (not started)";
            case Bundle.STOPPING -> "STOPPING";
            default -> "in state " + b.getState();
        };
    }

    @Override
    public boolean canHandle(File artifact) {
        return artifact.getName().toLowerCase(java.util.Locale.ROOT).endsWith(".jar");
    }

    @Override
    public synchronized void install(File artifact) {
        deploy(artifact);
    }

    @Override
    public synchronized void update(File artifact) {
        deploy(artifact);
    }

    @Override
    public synchronized void uninstall(File artifact) {
        String key = key(artifact);
        Bundle b = context.getBundle(location(artifact));
        if (b == null) {
            entries.remove(key);
            return;
        }
        long id = b.getBundleId();
        String what = name(b);
        try {
            b.uninstall();
            refreshIfPending(b);
            log.info("deploy: {} removed, bundle {} {} uninstalled", artifact.getName(), id, what);
            entries.put(key, new DeployEntry(artifact.getName(), DeployEntry.State.UNINSTALLED, id, what, null, 0, now()));
        } catch (BundleException | RuntimeException e) {
            log.error("deploy: {} removed, but uninstalling bundle {} {} failed: {}", artifact.getName(), id, what, e.toString(), e);
            entries.put(key, new DeployEntry(artifact.getName(), DeployEntry.State.REFUSED, id, what,
                    "removing the file: uninstall failed: " + e.getMessage(), 0, now()));
        } finally {
            deleteQuietly(lastGood(id));
        }
    }

    /** The Gogo command {@code expkt:deploy}: every file of the deploy directories and what became of it. */
    public String deploy() {
        Map<String, String> rows = new TreeMap<>();
        TreeSet<Path> dirs = new TreeSet<>();
        String configured = context.getProperty("felix.fileinstall.dir");
        if (configured != null) {
            dirs.add(Path.of(configured).toAbsolutePath().normalize());
        }
        for (String k : entries.keySet()) {
            dirs.add(Path.of(k).getParent());
        }
        StringBuilder out = new StringBuilder();
        for (Path dir : dirs) {
            rows.clear();
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
                for (Path f : files) {
                    String n = f.getFileName().toString();
                    DeployEntry e = entries.get(f.toString());
                    if (e != null) {
                        rows.put(n, e.describe() + " (" + e.at() + ")");
                    } else if (canHandle(f.toFile())) {
                        rows.put(n, "waiting: not yet picked up by FileInstall");
                    } else if (n.endsWith(".cfg") || n.endsWith(".config")) {
                        rows.put(n, "configuration (FileInstall → ConfigAdmin)");
                    } else {
                        rows.put(n, "ignored: neither a .jar nor a .cfg/.config file");
                    }
                }
            } catch (IOException ex) {
                out.append("deploy directory ").append(dir).append(": cannot list it: ").append(ex).append('\n');
                continue;
            }
            for (Map.Entry<String, DeployEntry> e : entries.entrySet()) {
                Path p = Path.of(e.getKey());
                if (p.getParent().equals(dir) && !rows.containsKey(p.getFileName().toString())
                        && e.getValue().state() != DeployEntry.State.UNINSTALLED) {
                    rows.put(p.getFileName().toString(), "file gone; " + e.getValue().describe());
                }
            }
            out.append("deploy directory ").append(dir).append(" (").append(rows.size()).append(" file(s))\n");
            int w = rows.keySet().stream().mapToInt(String::length).max().orElse(4);
            out.append(String.format("%-" + w + "s  %s%n", "FILE", "STATE"));
            rows.forEach((n, s) -> out.append(String.format("%-" + w + "s  %s%n", n, s)));
        }
        return out.toString();
    }

    @Override
    public List<String> problems() {
        return entries.values().stream()
                .filter(e -> e.state() == DeployEntry.State.REFUSED || e.state() == DeployEntry.State.NOT_STARTED)
                .map(e -> "deploy: " + e.file() + " " + e.describe())
                .sorted()
                .toList();
    }

    /** The entries, for tests in this bundle. */
    List<DeployEntry> entries() {
        return new ArrayList<>(entries.values());
    }

    private void deploy(File artifact) {
        String key = key(artifact);
        String name = artifact.getName();
        Bundle existing = context.getBundle(location(artifact));
        int updates = entries.containsKey(key) ? entries.get(key).updates() : 0;
        Path staged = dataDir.resolve("staging.jar");
        try {
            if (artifact.isDirectory()) {
                throw new BundleJar.Refusal("a directory: only bundle jars are deployed");
            }
            try {
                Files.copy(artifact.toPath(), staged, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new BundleJar.Refusal("cannot read the file: " + e);
            }
            BundleJar jar = BundleJar.check(staged);
            if (existing != null && !jar.symbolicName().equals(existing.getSymbolicName())) {
                throw new BundleJar.Refusal("it is " + jar.symbolicName() + ", not " + existing.getSymbolicName()
                        + " which this file installed: delete the file first to replace one bundle by another");
            }
            Bundle platformBundle = existing == null ? platform.find(context, jar.symbolicName()) : null;
            Bundle running = existing != null ? existing : platformBundle;
            if (running != null && runsThisJar(running, staged)) {
                // FileInstall reports every jar again when it restarts (a refresh of it, of ConfigAdmin,
                // of the Log Service): it keeps no checksum of the jars this guard installed. Updating a
                // bundle with the bytes it runs would only restart it and its components.
                log.info("deploy: {} unchanged: bundle {} {} runs this jar already; nothing to do", name, running.getBundleId(), name(running));
                entries.putIfAbsent(key, new DeployEntry(name, DeployEntry.State.INSTALLED, running.getBundleId(), name(running), null, updates, now()));
                return;
            }
            if (platformBundle != null) {
                existing = platformBundle;
                checkPlatformUpdate(name, platformBundle);
            }
            if (existing == null) {
                for (Bundle other : context.getBundles()) {
                    if (jar.symbolicName().equals(other.getSymbolicName()) && jar.version().equals(other.getVersion())) {
                        throw new BundleJar.Refusal(jar.symbolicName() + " " + jar.version() + " is already installed as bundle "
                                + other.getBundleId() + " from " + other.getLocation());
                    }
                }
            }
            List<String> missing = Requirements.unsatisfied(jar, system.adapt(FrameworkWiring.class), existing);
            if (!missing.isEmpty()) {
                throw new BundleJar.Refusal(jar.symbolicName() + " " + jar.version() + " would not resolve: nothing installed provides "
                        + String.join(", ", missing));
            }
            if (existing == null) {
                installNew(artifact, jar);
            } else {
                updateInPlace(artifact, existing, jar, updates);
            }
        } catch (BundleJar.Refusal r) {
            refuse(key, name, existing, r.getMessage(), updates);
        } finally {
            deleteQuietly(staged);
        }
    }

    /**
     * A jar named like a platform bundle updates that bundle in place, unless the update would restart
     * other bundles' components ({@link UpdateImpact}) and the file's name does not end in
     * {@value #FORCE_SUFFIX}. {@code expkt.host} does not update itself from here (this component would
     * be stopped in the middle of the update): {@code expkt:update} or {@code update N} does.
     */
    private void checkPlatformUpdate(String name, Bundle b) throws BundleJar.Refusal {
        if (b.getBundleId() == context.getBundle().getBundleId()) {
            throw new BundleJar.Refusal(b.getSymbolicName() + " is the bundle of this deploy guard; it cannot update itself from the"
                    + " deploy directory: use expkt:update " + b.getSymbolicName() + " <url> (or update " + b.getBundleId() + " <url>)");
        }
        UpdateImpact impact = UpdateImpact.of(b, system.adapt(FrameworkWiring.class), scr);
        if (!impact.selfOnly() && !name.toLowerCase(java.util.Locale.ROOT).endsWith(FORCE_SUFFIX)) {
            throw new BundleJar.Refusal("updating platform " + impact.what() + " would restart " + impact.restarts().size()
                    + " other bundle(s): " + impact.bundleList() + " (" + impact.reasons().strip().replace("\n", ";").replaceAll("\\s+", " ")
                    + "); to update anyway, name the file *" + FORCE_SUFFIX);
        }
    }

    private void installNew(File artifact, BundleJar jar) throws BundleJar.Refusal {
        long t0 = System.nanoTime();
        Bundle b;
        try (InputStream in = Files.newInputStream(jar.file())) {
            b = context.installBundle(location(artifact), in);
        } catch (IOException | BundleException | RuntimeException e) {
            throw new BundleJar.Refusal("the framework refused it: " + e.getMessage());
        }
        if (startLevel > 0) {
            b.adapt(BundleStartLevel.class).setStartLevel(startLevel);
        }
        drainStartLevelQueue();
        keepLastGood(b, jar.file());
        if (startNew) {
            try {
                b.start();
            } catch (BundleException | RuntimeException e) {
                log.error("deploy: {} installed as bundle {} {} but it does not start: {}", artifact.getName(), b.getBundleId(), name(b), e.getMessage(), e);
                entries.put(key(artifact), new DeployEntry(artifact.getName(), DeployEntry.State.NOT_STARTED, b.getBundleId(), name(b), e.getMessage(), 0, now()));
                return;
            }
        }
        log.info("deploy: {} installed as bundle {} {} ({} ms)", artifact.getName(), b.getBundleId(), name(b), ms(t0));
        entries.put(key(artifact), new DeployEntry(artifact.getName(), DeployEntry.State.INSTALLED, b.getBundleId(), name(b), null, 0, now()));
    }

    private void updateInPlace(File artifact, Bundle b, BundleJar jar, int updates) {
        long t0 = System.nanoTime();
        BundleStartLevel sl = b.adapt(BundleStartLevel.class);
        int level = sl.getStartLevel();
        boolean wasActive = (b.getState() & (Bundle.ACTIVE | Bundle.STARTING)) != 0;
        String before = name(b);
        Exception failed = null;
        try (InputStream in = Files.newInputStream(jar.file())) {
            b.update(in);
        } catch (IOException | BundleException | RuntimeException e) {
            failed = e;
        }
        settle(b, sl, level);
        if (failed == null && wasActive && b.getState() != Bundle.ACTIVE) {
            try {
                b.start();
            } catch (BundleException | RuntimeException e) {
                failed = e;
            }
        }
        if (failed != null) {
            String reason = "the update to " + jar.symbolicName() + " " + jar.version() + " failed: " + failed.getMessage();
            rollBack(b, sl, level, wasActive);
            log.error("deploy: {}: {}; bundle {} {} put back from its previous jar", artifact.getName(), reason, b.getBundleId(), name(b), failed);
            entries.put(key(artifact), new DeployEntry(artifact.getName(), DeployEntry.State.REFUSED, b.getBundleId(), name(b),
                    reason + " (previous jar put back)", updates, now()));
            return;
        }
        keepLastGood(b, jar.file());
        log.info("deploy: {} updated bundle {} in place: {} → {} ({} ms)", artifact.getName(), b.getBundleId(), before, name(b), ms(t0));
        entries.put(key(artifact), new DeployEntry(artifact.getName(), DeployEntry.State.INSTALLED, b.getBundleId(), name(b), null, updates + 1, now()));
    }

    /** After an update: the launcher's start-level request applied, the bundle's own level back, old revision gone. */
    private void settle(Bundle b, BundleStartLevel sl, int level) {
        queue.settle(b, level);
    }

    private void rollBack(Bundle b, BundleStartLevel sl, int level, boolean start) {
        Path previous = lastGood(b.getBundleId());
        if (!Files.isRegularFile(previous)) {
            log.error("deploy: no previous jar of bundle {} to put back", b.getBundleId());
            return;
        }
        try (InputStream in = Files.newInputStream(previous)) {
            b.update(in);
            settle(b, sl, level);
            if (start && b.getState() != Bundle.ACTIVE) {
                b.start();
            }
        } catch (IOException | BundleException | RuntimeException e) {
            log.error("deploy: putting back the previous jar of bundle {} failed: {}", b.getBundleId(), e.toString(), e);
        }
    }

    private void refuse(String key, String name, Bundle existing, String reason, int updates) {
        if (existing != null) {
            log.error("deploy: refused {}: {}; bundle {} {} keeps running", name, reason, existing.getBundleId(), name(existing));
            entries.put(key, new DeployEntry(name, DeployEntry.State.REFUSED, existing.getBundleId(), name(existing), reason, updates, now()));
        } else {
            log.error("deploy: refused {}: {}", name, reason);
            entries.put(key, new DeployEntry(name, DeployEntry.State.REFUSED, -1, null, reason, updates, now()));
        }
    }

    private void drainStartLevelQueue() {
        queue.drainStartLevelQueue();
    }

    private void refreshIfPending(Bundle b) {
        queue.refreshIfPending(b);
    }

    private void keepLastGood(Bundle b, Path jar) {
        try {
            Files.copy(jar, lastGood(b.getBundleId()), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            log.warn("deploy: cannot keep a copy of bundle {}'s jar to put back after a failed update: {}", b.getBundleId(), e.toString());
        }
    }

    /** The bundle is active and the jar is byte for byte the one this guard last installed for it. */
    private boolean runsThisJar(Bundle b, Path jar) {
        Path last = lastGood(b.getBundleId());
        try {
            return b.getState() == Bundle.ACTIVE && Files.isRegularFile(last) && Files.mismatch(jar, last) == -1;
        } catch (IOException e) {
            return false;
        }
    }

    private Path lastGood(long id) {
        return dataDir.resolve("bundle-" + id + ".jar");
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // a leftover staging file is overwritten next time
        }
    }

    private static String name(Bundle b) {
        return b.getSymbolicName() + " " + b.getVersion();
    }

    /** FileInstall's location for a deployed file (its bundle transformer's URL), so a bundle it installed is found too. */
    static String location(File f) {
        return f.toURI().normalize().toString();
    }

    private static String key(File f) {
        return f.getAbsoluteFile().toPath().normalize().toString();
    }

    private static LocalTime now() {
        return LocalTime.now().truncatedTo(ChronoUnit.SECONDS);
    }

    private static long ms(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    private static int intProperty(String v) {
        try {
            return v == null ? 0 : Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
