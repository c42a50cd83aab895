package expkt.ops.rest;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.framework.wiring.BundleRequirement;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.log.Logger;

import expkt.host.update.ClosureRefresh;
import expkt.host.update.FrameworkQueue;
import expkt.host.update.PlatformDir;
import expkt.host.update.UninstallRefusal;
import expkt.host.update.UpdateImpact;

/**
 * Installs, updates and uninstalls bundles for the REST API, so that nothing is left half-done: an
 * installed bundle that does not resolve or start is uninstalled again; an updated bundle that does
 * not resolve or start is put back from its previous content. An update is one
 * {@link Bundle#update(InputStream)} of the same bundle (same id, same location): the provider sees
 * the in-place update and hands the bundle's sockets over without losing a frame. An update that
 * would restart other bundles' components ({@link UpdateImpact}: a platform bundle such as the
 * provider or {@code expkt.api}) is refused with 409, naming them, unless forced: the refusal of
 * {@code expkt:update}, computed the same way. A platform bundle of the host jar ({@link PlatformDir}:
 * installed by the launcher from {@code run/platform}) is never uninstalled (409, naming it): the host
 * would lose a part of itself that nothing installs again until it is restarted; it can be updated.
 *
 * <p>After an update the framework's start-level queue is drained and the bundle's own start level
 * put back (the bnd launcher re-levels bundles it sees UPDATED), and a revision still pending removal
 * is refreshed ({@link FrameworkQueue}, as the host's deploy directory does). When that refresh would
 * restart this bundle (ConfigAdmin, the servlet API, Felix HTTP...: the web server this answer goes out
 * through), the answer comes first, 202 with what the refresh restarts, and the refresh follows on a
 * thread of its own ({@link #deferredRefresh}): done inside the request, it stopped the server under
 * the request and the client got no answer at all.
 *
 * <p>Threading: the mutating calls are serialised on this object (one change at a time, as
 * FileInstall's); every wait on the framework has a deadline ({@link FrameworkQueue#FRAMEWORK_WAIT_MS} ms),
 * and one that passes is logged at ERROR.
 */
final class BundleOps {
    static final String LOCATION_PREFIX = "expkt-rest:";
    private static final String[] STATES = {"UNINSTALLED", "INSTALLED", "RESOLVED", "STARTING", "STOPPING", "ACTIVE"};

    private final BundleContext context;
    private final Bundle system;
    private final ServiceComponentRuntime scr;
    private final PlatformDir platform;
    private final FrameworkQueue queue;

    BundleOps(BundleContext context, ServiceComponentRuntime scr, Logger log) {
        this.context = context;
        this.queue = new FrameworkQueue(context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION), log);
        this.system = context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION);
        this.scr = scr;
        this.platform = PlatformDir.of(context);
    }

    List<Map<String, Object>> list() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            out.add(describe(b));
        }
        return out;
    }

    Map<String, Object> get(long id) throws ApiException {
        return describe(bundle(id));
    }

    synchronized Map<String, Object> install(byte[] jar, boolean start) throws ApiException {
        JarCheck check = JarCheck.of(jar);
        for (Bundle b : context.getBundles()) {
            if (check.symbolicName().equals(b.getSymbolicName())) {
                throw new ApiException(409, check.symbolicName() + " is installed already as bundle " + b.getBundleId()
                        + " (version " + b.getVersion() + "): update it with PUT /expkt/api/bundles/" + b.getBundleId());
            }
        }
        Bundle b;
        try {
            b = context.installBundle(LOCATION_PREFIX + check.symbolicName(), new ByteArrayInputStream(jar));
        } catch (BundleException e) {
            throw new ApiException(422, check.symbolicName() + " " + check.version() + " was not installed: " + e.getMessage());
        }
        try {
            if (start) {
                b.start();
            } else if (!system.adapt(FrameworkWiring.class).resolveBundles(List.of(b))) {
                throw new BundleException("it does not resolve");
            }
        } catch (BundleException | RuntimeException e) {
            String why = unresolved(b);
            try {
                b.uninstall();
                refreshIfPending(b);
            } catch (BundleException | RuntimeException ignored) {
                // reported below: the bundle id tells where it is
            }
            throw new ApiException(422, check.symbolicName() + " " + check.version() + " was not installed: "
                    + (start ? "it does not start: " : "") + e.getMessage() + why);
        }
        return describe(b);
    }

    synchronized Object update(long id, byte[] jar, boolean force) throws ApiException {
        Bundle b = changeable(id);
        JarCheck check = JarCheck.of(jar);
        if (!check.symbolicName().equals(b.getSymbolicName())) {
            throw new ApiException(409, "the jar is " + check.symbolicName() + ", bundle " + id + " is " + b.getSymbolicName()
                    + ": an update keeps the symbolic name (install it with POST /expkt/api/bundles instead)");
        }
        // the refusal of expkt:update, from the same computation (the wiring and the DS references, now)
        UpdateImpact impact = UpdateImpact.of(b, system.adapt(FrameworkWiring.class), scr);
        if (!impact.selfOnly() && !force) {
            throw refusal(impact);
        }
        byte[] previous = contentOf(b);
        BundleStartLevel sl = b.adapt(BundleStartLevel.class);
        int level = sl.getStartLevel();
        boolean wasActive = (b.getState() & (Bundle.ACTIVE | Bundle.STARTING)) != 0;
        Exception failed = null;
        try {
            b.update(new ByteArrayInputStream(jar));
        } catch (BundleException | RuntimeException e) {
            failed = e;
        }
        if (failed == null && refreshRestartsThisApi(b)) {
            queue.drainStartLevelQueue();
            if (b.getState() != Bundle.UNINSTALLED && sl.getStartLevel() != level) {
                sl.setStartLevel(level);
                queue.drainStartLevelQueue();
            }
            return deferredRefresh(b);
        }
        settle(b, sl, level);
        if (failed == null) {
            try {
                if (wasActive && b.getState() != Bundle.ACTIVE) {
                    b.start();
                } else if (!wasActive && !system.adapt(FrameworkWiring.class).resolveBundles(List.of(b))) {
                    throw new BundleException("it does not resolve");
                }
            } catch (BundleException | RuntimeException e) {
                failed = e;
            }
        }
        if (failed != null) {
            String why = unresolved(b);
            String back = putBack(b, previous, sl, level, wasActive);
            throw new ApiException(422, "bundle " + id + " was not updated to " + check.symbolicName() + " " + check.version()
                    + ": " + failed.getMessage() + why + "; " + back);
        }
        return describe(b);
    }

    /** 409 naming the bundles whose components would restart and why, as {@code expkt:update} does. */
    static ApiException refusal(UpdateImpact impact) {
        List<Map<String, Object>> restarts = new ArrayList<>();
        for (UpdateImpact.Restart r : impact.restarts().values()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", r.id());
            m.put("symbolicName", r.symbolicName());
            m.put("why", List.copyOf(r.why()));
            restarts.add(m);
        }
        String msg = "refused: updating " + impact.what() + " would restart " + impact.restarts().size() + " other bundle(s): "
                + impact.bundleList() + "\n" + impact.reasons()
                + "their components would be deactivated and activated again (state lost, shutdown sent to peers);"
                + " to update anyway: PUT " + ManagementApi.ROOT + "/bundles/" + impact.target().getBundleId() + "?force=true";
        return new ApiException(409, msg, Map.of("restarts", restarts));
    }

    synchronized Map<String, Object> uninstall(long id) throws ApiException {
        Bundle b = changeable(id);
        if (platform.holds(b)) {
            throw new ApiException(409, UninstallRefusal.message(b, context.getBundle(0).adapt(FrameworkWiring.class),
                    "PUT " + ManagementApi.ROOT + "/bundles/" + id));
        }
        Map<String, Object> before = describe(b);
        try {
            b.uninstall();
        } catch (BundleException | RuntimeException e) {
            throw new ApiException(409, "bundle " + id + " was not uninstalled: " + e.getMessage());
        }
        refreshIfPending(b);
        before.put("state", STATES[0]);
        return before;
    }

    private Bundle bundle(long id) throws ApiException {
        Bundle b = context.getBundle(id);
        if (b == null) {
            throw new ApiException(404, "no bundle with id " + id);
        }
        return b;
    }

    private Bundle changeable(long id) throws ApiException {
        Bundle b = bundle(id);
        if (id == 0) {
            throw new ApiException(400, "bundle 0 is the framework: it is neither updated nor uninstalled through this API");
        }
        if (b.getBundleId() == context.getBundle().getBundleId()) {
            throw new ApiException(400, "bundle " + id + " is " + b.getSymbolicName() + ", which serves this API: change it through the deploy directory");
        }
        return b;
    }

    private String putBack(Bundle b, byte[] previous, BundleStartLevel sl, int level, boolean start) {
        try {
            b.update(new ByteArrayInputStream(previous));
            settle(b, sl, level);
            if (start && b.getState() != Bundle.ACTIVE) {
                b.start();
            }
            return "the previous version " + b.getVersion() + " is back (" + STATES[Integer.numberOfTrailingZeros(b.getState())] + ")";
        } catch (BundleException | RuntimeException e) {
            return "putting the previous version back FAILED too: " + e.getMessage();
        }
    }

    /** Requirements of {@code b}'s current revision that nothing installed provides, as text (empty if none). */
    private String unresolved(Bundle b) {
        BundleRevision rev = b.adapt(BundleRevision.class);
        if (rev == null) {
            return "";
        }
        FrameworkWiring wiring = system.adapt(FrameworkWiring.class);
        List<String> missing = new ArrayList<>();
        for (BundleRequirement r : rev.getDeclaredRequirements(null)) {
            if ("optional".equals(r.getDirectives().get(Constants.RESOLUTION_DIRECTIVE))) {
                continue;
            }
            if (wiring.findProviders(r).isEmpty()) {
                missing.add(r.getNamespace() + " " + r.getDirectives().getOrDefault("filter", ""));
            }
        }
        return missing.isEmpty() ? "" : " (nothing installed provides: " + String.join("; ", missing) + ")";
    }

    /** The bundle's current content as a jar (manifest first), to put back if an update fails. */
    private static byte[] contentOf(Bundle b) throws ApiException {
        try {
            URL mf = b.getEntry("META-INF/MANIFEST.MF");
            if (mf == null) {
                throw new ApiException(409, "bundle " + b.getBundleId() + " has no manifest entry to keep for a roll-back");
            }
            Manifest manifest;
            try (InputStream in = mf.openStream()) {
                manifest = new Manifest(in);
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (JarOutputStream out = new JarOutputStream(bytes, manifest)) {
                Enumeration<URL> entries = b.findEntries("/", "*", true);
                for (URL u : entries == null ? List.<URL>of() : Collections.list(entries)) {
                    String path = u.getPath().startsWith("/") ? u.getPath().substring(1) : u.getPath();
                    if (path.isEmpty() || path.equals("META-INF/MANIFEST.MF") || path.equals("META-INF/")) {
                        continue;
                    }
                    out.putNextEntry(new JarEntry(path));
                    if (!path.endsWith("/")) {
                        try (InputStream in = u.openStream()) {
                            in.transferTo(out);
                        }
                    }
                    out.closeEntry();
                }
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new ApiException(500, "cannot read bundle " + b.getBundleId() + "'s content to keep for a roll-back: " + e.getMessage());
        }
    }

    private void settle(Bundle b, BundleStartLevel sl, int level) {
        queue.settle(b, level);
    }

    private void refreshIfPending(Bundle b) {
        queue.refreshIfPending(b);
    }

    /**
     * True when refreshing {@code b} would restart this bundle, the web server this answer goes out
     * through: the refresh must wait until the answer is sent ({@link Deferred}).
     */
    private boolean refreshRestartsThisApi(Bundle b) {
        FrameworkWiring wiring = system.adapt(FrameworkWiring.class);
        return wiring.getRemovalPendingBundles().contains(b)
                && ClosureRefresh.closure(system, List.of(b)).contains(context.getBundle());
    }

    /**
     * The answer to an update whose refresh restarts this API: 202 with the bundle, what the refresh
     * will restart and how to follow it; the refresh itself ({@link ClosureRefresh}, the one
     * {@code expkt:refresh} runs) starts once the answer is sent, on a thread of its own, since the
     * request's thread belongs to the web server it stops.
     */
    private Deferred deferredRefresh(Bundle b) {
        List<String> restarts = new ArrayList<>();
        for (Bundle c : ClosureRefresh.closure(system, List.of(b))) {
            restarts.add(c.getBundleId() + " " + c.getSymbolicName());
        }
        Map<String, Object> body = describe(b);
        Map<String, Object> refresh = new LinkedHashMap<>();
        refresh.put("state", "starts after this answer");
        refresh.put("restarts", restarts);
        refresh.put("follow", "GET " + ManagementApi.ROOT + "/bundles until every bundle is ACTIVE (the API is down while it restarts;"
                + " a failure is logged at ERROR naming what did not come back)");
        body.put("refresh", refresh);
        Bundle host = FrameworkUtil.getBundle(ClosureRefresh.class);
        BundleContext hostContext = host == null ? null : host.getBundleContext();
        Runnable run = () -> {
            try {
                if (hostContext == null) {
                    queue.refreshIfPending(b); // no expkt.host context: the framework's refresh alone
                } else {
                    new ClosureRefresh(hostContext).refresh(List.of(b));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IllegalStateException failed) {
                // ClosureRefresh logged it at ERROR, naming what did not come back: nobody else to tell
            }
        };
        return new Deferred(body, run);
    }

    static Map<String, Object> describe(Bundle b) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", b.getBundleId());
        m.put("symbolicName", b.getSymbolicName());
        m.put("version", b.getVersion().toString());
        m.put("state", STATES[Integer.numberOfTrailingZeros(b.getState())]);
        m.put("location", b.getLocation());
        m.put("lastModified", b.getLastModified());
        BundleStartLevel sl = b.adapt(BundleStartLevel.class);
        if (sl != null) {
            m.put("startLevel", sl.getStartLevel());
        }
        return m;
    }
}
