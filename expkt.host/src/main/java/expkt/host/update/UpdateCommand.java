package expkt.host.update;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import expkt.host.deploy.BundleJar;
import expkt.host.deploy.Requirements;

/**
 * The Gogo command {@code expkt:update [--force] <id|bsn> [url]}: updates a running bundle (a
 * platform bundle of the host jar too) in place, but refuses, by default, an update that would
 * restart other bundles' components — with a message naming them and why ({@link UpdateImpact}:
 * the wiring and the Declarative Services references, computed when asked). {@code --force} does it
 * anyway and says what restarted.
 *
 * <p>Where the new jar comes from: {@code url} (a URL, or a path), else the bundle's location (for a
 * platform bundle, its file in the platform directory: put a newer jar there and update). The jar is
 * copied aside and checked first (a complete jar, a bundle manifest, the same symbolic name, its
 * requirements provided by the installed bundles): a jar that fails is refused before the running
 * bundle is stopped. Then one {@link Bundle#update(InputStream)}, the framework's queued start-level
 * requests and a pending refresh are awaited ({@link FrameworkQueue}), the bundle's start level is put
 * back and the bundle started again if it was active; the command waits (deadline) until every bundle
 * that was active is active again, and fails naming those that are not.
 *
 * <p>The standard Gogo {@code update N [url]} (felix:update) cannot be refused: it stops the bundle,
 * replaces it and starts it whatever depends on it. It works for platform bundles (their location is
 * a {@code file:} URL), and does exactly what {@code expkt:update --force} does, without the checks.
 *
 * <p>{@code expkt:refresh} is not here: it is {@code expkt.host.platform.PlatformRefresh}, registered by the
 * bundle activator (it must exist while no DS component does, after an update of SCR).
 *
 * <p>Threading: Gogo calls it on the console's thread; the update of {@code expkt.host} itself runs
 * on a thread of its own (the command's bundle is stopped by it), and the command returns at once.
 */
@Component(service = UpdateCommand.class, property = {
        "osgi.command.scope=expkt",
        "osgi.command.function=update",
        // an unqualified `update` must stay Gogo's felix:update (PlatformUpdateIT types it with this
        // command registered, and a refusal there would fail it); ranked low for a Gogo that picks by ranking
        "service.ranking:Integer=-100"})
public final class UpdateCommand {
    /** The option that lets an update restart other bundles. */
    public static final String FORCE = "--force";
    static final long RESTART_WAIT_MS = 30_000;

    private final BundleContext context;
    private final ServiceComponentRuntime scr;
    private final Logger log;
    private final FrameworkQueue queue;

    @Activate
    public UpdateCommand(BundleContext context, @Reference ServiceComponentRuntime scr,
            @Reference(service = LoggerFactory.class) Logger log) {
        this.context = context;
        this.scr = scr;
        this.log = log;
        this.queue = new FrameworkQueue(context.getBundle(0), log);
    }

    /** {@code expkt:update <id|bsn>}: from its location. */
    public String update(String bundle) throws Exception {
        return run(bundle, false, null);
    }

    /** {@code expkt:update --force <id|bsn>} or {@code expkt:update <id|bsn> <url>}. */
    public String update(String a, String b) throws Exception {
        if (FORCE.equals(a)) {
            return run(b, true, null);
        }
        return run(a, false, b);
    }

    /** {@code expkt:update --force <id|bsn> <url>}. */
    public String update(String option, String bundle, String url) throws Exception {
        if (!FORCE.equals(option)) {
            throw new IllegalArgumentException("update option \"" + option + "\" is unknown (the one option is " + FORCE
                    + ": update even if other bundles restart)");
        }
        return run(bundle, true, url);
    }

    /**
     * The command; returns what it did, throws (Gogo prints it) on a refusal or a failure. Not public:
     * Gogo would offer it as a third three-argument form of {@code update}.
     */
    String run(String which, boolean force, String url) throws Exception {
        Bundle target = bundle(which);
        if (target.getBundleId() == 0) {
            throw new IllegalArgumentException("bundle 0 is the framework: restart the host to update it");
        }
        Path staged = Files.createTempFile("expkt-update", ".jar");
        try {
            String source = fetch(target, url, staged);
            BundleJar jar;
            try {
                jar = BundleJar.check(staged);
            } catch (BundleJar.Refusal r) {
                throw new IllegalArgumentException("refused: " + source + " is " + r.getMessage() + "; " + what(target) + " keeps running");
            }
            if (!jar.symbolicName().equals(target.getSymbolicName())) {
                throw new IllegalArgumentException("refused: " + source + " is " + jar.symbolicName() + ", not " + target.getSymbolicName()
                        + "; " + what(target) + " keeps running");
            }
            List<String> missing = Requirements.unsatisfied(jar, context.getBundle(0).adapt(FrameworkWiring.class), target);
            if (!missing.isEmpty()) {
                throw new IllegalArgumentException("refused: " + jar.symbolicName() + " " + jar.version() + " from " + source
                        + " would not resolve: nothing installed provides " + String.join(", ", missing) + "; " + what(target) + " keeps running");
            }
            UpdateImpact impact = UpdateImpact.of(target, context.getBundle(0).adapt(FrameworkWiring.class), scr);
            if (!impact.selfOnly() && !force) {
                String msg = refusal(impact, which, url);
                log.warn("update: {}", msg.replace('\n', ' '));
                throw new IllegalStateException(msg);
            }
            if (target.getBundleId() == context.getBundle().getBundleId()) {
                Path own = Files.createTempFile("expkt-update-self", ".jar");
                Files.copy(staged, own, StandardCopyOption.REPLACE_EXISTING);
                Thread.ofPlatform().name("expkt-update-self").start(() -> {
                    try {
                        apply(target, own, impact, source);
                    } catch (Exception e) {
                        log.error("update: {} from {} failed: {}", what(target), source, e.toString(), e);
                    } finally {
                        try {
                            Files.deleteIfExists(own);
                        } catch (IOException e) {
                            // a temporary file
                        }
                    }
                });
                return what(target) + " updates itself from " + source + " (this command's bundle: done in the background, see the log)";
            }
            return apply(target, staged, impact, source);
        } finally {
            Files.deleteIfExists(staged);
        }
    }

    /** The refusal text: what would restart, why, and how to do it anyway. */
    static String refusal(UpdateImpact impact, String which, String url) {
        return "refused: updating " + impact.what() + " would restart " + impact.restarts().size() + " other bundle(s): "
                + impact.bundleList() + "\n" + impact.reasons()
                + "their components would be deactivated and activated again (state lost, shutdown sent to peers);"
                + " to update anyway: expkt:update " + FORCE + " " + which + (url != null ? " " + url : "");
    }

    private String apply(Bundle target, Path jar, UpdateImpact impact, String source) throws BundleException, IOException, InterruptedException {
        long t0 = System.nanoTime();
        String before = what(target);
        BundleStartLevel sl = target.adapt(BundleStartLevel.class);
        int level = sl.getStartLevel();
        boolean wasActive = (target.getState() & (Bundle.ACTIVE | Bundle.STARTING)) != 0;
        List<Bundle> wereActive = new ArrayList<>();
        for (UpdateImpact.Restart r : impact.restarts().values()) {
            Bundle b = context.getBundle(r.id());
            if (b != null && b.getState() == Bundle.ACTIVE) {
                wereActive.add(b);
            }
        }
        log.info("update: {} from {}{}", before, source, impact.selfOnly() ? "" : " (--force: restarts " + impact.bundleList() + ")");
        try (InputStream in = Files.newInputStream(jar)) {
            target.update(in);
        }
        queue.settle(target, level);
        if (wasActive && target.getState() != Bundle.ACTIVE) {
            target.start();
        }
        List<String> notBack = awaitActive(wereActive);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        if (!notBack.isEmpty()) {
            String msg = "updated " + before + " → " + target.getVersion() + ", but not active again after " + RESTART_WAIT_MS + " ms: "
                    + String.join(", ", notBack);
            log.error("update: {}", msg);
            throw new IllegalStateException(msg);
        }
        String done = "updated " + before + " → " + target.getVersion() + " from " + source + " in " + ms + " ms"
                + (impact.selfOnly() ? "; no other bundle restarted" : "; restarted (--force): " + impact.bundleList());
        log.info("update: {}", done);
        return done;
    }

    private List<String> awaitActive(List<Bundle> bundles) throws InterruptedException {
        long deadline = System.currentTimeMillis() + RESTART_WAIT_MS;
        List<String> notActive = new ArrayList<>();
        do {
            notActive.clear();
            for (Bundle b : bundles) {
                if (b.getState() != Bundle.ACTIVE) {
                    notActive.add(b.getBundleId() + " " + b.getSymbolicName());
                }
            }
            if (notActive.isEmpty()) {
                return notActive;
            }
            Thread.sleep(50);
        } while (System.currentTimeMillis() < deadline);
        return notActive;
    }

    /** Copies the new jar to {@code staged}; returns where it came from. */
    private String fetch(Bundle target, String url, Path staged) throws IOException {
        String source = url != null ? url : target.getLocation();
        URI uri;
        try {
            uri = source.contains(":") ? URI.create(source) : Path.of(source).toAbsolutePath().toUri();
            if (uri.getScheme() == null) {
                uri = Path.of(source).toAbsolutePath().toUri();
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot read " + source + ": not a URL nor a path"
                    + (url == null ? " (bundle " + target.getBundleId() + "'s location; give a URL: expkt:update " + target.getBundleId() + " <url>)" : ""));
        }
        try (InputStream in = uri.toURL().openStream()) {
            Files.copy(in, staged, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | IllegalArgumentException e) {
            throw new IOException("cannot read " + source + ": " + e.getMessage()
                    + (url == null ? " (bundle " + target.getBundleId() + "'s location; give a URL: expkt:update " + target.getBundleId() + " <url>)" : ""), e);
        }
        return source;
    }

    /** By id, or by symbolic name (which must be unique). */
    private Bundle bundle(String which) {
        if (which.chars().allMatch(Character::isDigit) && !which.isEmpty()) {
            Bundle b = context.getBundle(Long.parseLong(which));
            if (b == null) {
                throw new IllegalArgumentException("no bundle " + which);
            }
            return b;
        }
        List<Bundle> named = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            if (which.equals(b.getSymbolicName())) {
                named.add(b);
            }
        }
        if (named.isEmpty()) {
            throw new IllegalArgumentException("no bundle named " + which + " (give its id or symbolic name: lb)");
        }
        if (named.size() > 1) {
            throw new IllegalArgumentException(named.size() + " bundles are named " + which + ": give the id ("
                    + named.stream().map(b -> b.getBundleId() + " " + b.getVersion()).toList() + ")");
        }
        return named.get(0);
    }

    private static String what(Bundle b) {
        return "bundle " + b.getBundleId() + " " + b.getSymbolicName() + " " + b.getVersion();
    }
}
