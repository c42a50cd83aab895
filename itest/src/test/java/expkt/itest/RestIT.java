package expkt.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.Test;

import expkt.lab.Deadlines;

/**
 * The management REST API of the real host process, driven with plain HTTP as a fleet tool would: a
 * bundle installed, updated in place (same id) and removed, a configuration changed through
 * ConfigAdmin (checked against the component's metatype), the runtime DTOs read; every call without
 * the token is refused with 401, every bad input gets a 4xx with a message, and nothing is left
 * half-installed.
 */
public class RestIT {
    static final String BSN = "expkt.itest.hotdeploy";

    @Test
    public void aFleetToolInstallsUpdatesConfiguresAndRemovesABundle() throws Exception {
        Path v1 = ExpktOptions.jar("expkt.itest.bundle").toPath();
        try (OpsHost h = OpsHost.start("rest", OpsHost.wolJar())) {
            Path v2 = h.run.resolve("v2.jar");
            HotDeployIT.withVersion(v1, "2.0.0", v2);
            Path needsMissing = h.run.resolve("needs-missing.jar");
            HostDeployIT.withManifest(v1, needsMissing, "Import-Package", "no.such.pkg;version=\"[1,2)\"");
            Path v3Unresolvable = h.run.resolve("v3-unresolvable.jar");
            HostDeployIT.withManifest(v2, v3Unresolvable, "Import-Package", "no.such.pkg;version=\"[1,2)\"");

            // 401 without the token, and with a wrong one, on every resource and method
            for (String[] call : List.of(new String[] {"GET", "/bundles"}, new String[] {"POST", "/bundles"}, new String[] {"PUT", "/bundles/1"},
                    new String[] {"DELETE", "/bundles/1"}, new String[] {"GET", "/configs"}, new String[] {"PUT", "/configs/x"},
                    new String[] {"GET", "/runtime"})) {
                HttpRequest.Builder noToken = HttpRequest.newBuilder(URI.create(h.base() + "/expkt/api" + call[1]))
                        .method(call[0], BodyPublishers.ofByteArray(Files.readAllBytes(v1)));
                HttpResponse<String> r = h.send(noToken.build());
                assertEquals(call[0] + " " + call[1] + " without a token: " + r.body(), 401, r.statusCode());
                assertTrue(r.body(), r.body().contains("no token"));
                r = h.send(noToken.header("Authorization", "Bearer " + h.token.substring(1) + "x").build());
                assertEquals(call[0] + " " + call[1] + " with a wrong token", 401, r.statusCode());
            }
            assertFalse("nothing was installed by the refused calls", h.send(h.api("/bundles").GET().build()).body().contains(BSN));

            // install v1: 201, started
            HttpResponse<String> r = h.send(h.api("/bundles").POST(BodyPublishers.ofFile(v1)).header("Content-Type", "application/java-archive").build());
            assertEquals(r.body(), 201, r.statusCode());
            long id = field(r.body(), "id");
            assertTrue(r.body(), r.body().contains("\"state\" : \"ACTIVE\"") && r.body().contains("\"version\" : \"1.0.0\""));

            // bad input: 4xx with a message, nothing installed or changed
            byte[] junk = new byte[40_000];
            new Random(3).nextBytes(junk);
            r = h.send(h.api("/bundles").POST(BodyPublishers.ofByteArray(junk)).build());
            assertEquals(r.body(), 400, r.statusCode());
            assertTrue(r.body(), r.body().contains("\"error\"") && r.body().contains("not"));
            r = h.send(h.api("/bundles").POST(BodyPublishers.noBody()).build());
            assertEquals(r.body(), 400, r.statusCode());
            assertTrue(r.body(), r.body().contains("no body"));
            r = h.send(h.api("/bundles").POST(BodyPublishers.ofFile(v2)).build());
            assertEquals("the same bundle again is a conflict: " + r.body(), 409, r.statusCode());
            assertTrue(r.body(), r.body().contains("PUT /expkt/api/bundles/" + id));
            r = h.send(h.api("/bundles/987654").GET().build());
            assertEquals(r.body(), 404, r.statusCode());
            assertTrue(r.body(), r.body().contains("no bundle with id 987654"));
            r = h.send(h.api("/bundles/987654").PUT(BodyPublishers.ofFile(v2)).build());
            assertEquals(r.body(), 404, r.statusCode());
            r = h.send(h.api("/bundles/abc").DELETE().build());
            assertEquals(r.body(), 400, r.statusCode());
            assertTrue(r.body(), r.body().contains("not a bundle id"));
            r = h.send(h.api("/bundles/0").DELETE().build());
            assertEquals(r.body(), 400, r.statusCode());
            assertTrue(r.body(), r.body().contains("the framework"));

            // a jar whose import nothing provides: 422 naming it, and it is not left installed
            int before = count(h.send(h.api("/bundles").GET().build()).body(), "\"id\"");
            r = h.send(h.api("/bundles").POST(BodyPublishers.ofFile(renamed(needsMissing, h.run.resolve("renamed.jar"), "expkt.itest.other"))).build());
            assertEquals(r.body(), 422, r.statusCode());
            assertTrue(r.body(), r.body().contains("no.such.pkg"));
            assertEquals("nothing half-installed", before, count(h.send(h.api("/bundles").GET().build()).body(), "\"id\""));
            assertFalse(h.send(h.api("/bundles").GET().build()).body().contains("expkt.itest.other"));

            // update in place to v2: same id, version 2.0.0, active
            r = h.send(h.api("/bundles/" + id).PUT(BodyPublishers.ofFile(v2)).build());
            assertEquals(r.body(), 200, r.statusCode());
            assertEquals("updated in place: the same bundle", id, field(r.body(), "id"));
            assertTrue(r.body(), r.body().contains("\"version\" : \"2.0.0\"") && r.body().contains("\"state\" : \"ACTIVE\""));

            // an update that would not resolve: 422, and v2 is back, active
            r = h.send(h.api("/bundles/" + id).PUT(BodyPublishers.ofFile(v3Unresolvable)).build());
            assertEquals(r.body(), 422, r.statusCode());
            assertTrue(r.body(), r.body().contains("no.such.pkg") && r.body().contains("previous version 2.0.0 is back"));
            r = h.send(h.api("/bundles/" + id).GET().build());
            assertTrue(r.body(), r.body().contains("\"version\" : \"2.0.0\"") && r.body().contains("\"state\" : \"ACTIVE\""));
            // another bundle's jar is not an update of this one
            r = h.send(h.api("/bundles/" + id).PUT(BodyPublishers.ofFile(OpsHost.wolJar())).build());
            assertEquals(r.body(), 409, r.statusCode());
            assertTrue(r.body(), r.body().contains("keeps the symbolic name"));

            // configuration: an invalid value of a metatype-described property is refused, a valid one stored
            r = h.send(h.api("/configs/expkt.protocol.wol").PUT(BodyPublishers.ofString("{\"udp.port\": 70000}")).build());
            assertEquals(r.body(), 400, r.statusCode());
            assertTrue(r.body(), r.body().contains("udp.port"));
            r = h.send(h.api("/configs/expkt.protocol.wol").PUT(BodyPublishers.ofString("{\"no_such_key\": 1}")).build());
            assertEquals(r.body(), 400, r.statusCode());
            assertTrue(r.body(), r.body().contains("not a property of expkt.protocol.wol"));
            r = h.send(h.api("/configs/expkt.protocol.wol").PUT(BodyPublishers.ofString("{not json")).build());
            assertEquals(r.body(), 400, r.statusCode());
            assertTrue(r.body(), r.body().contains("not JSON"));
            assertEquals("nothing stored by the refused writes", 404, h.send(h.api("/configs/expkt.protocol.wol").GET().build()).statusCode());
            r = h.send(h.api("/configs/expkt.protocol.wol").PUT(BodyPublishers.ofString("{\"udp.port\": 9}")).build());
            assertEquals(r.body(), 200, r.statusCode());
            r = h.send(h.api("/configs/expkt.protocol.wol").GET().build());
            assertEquals(r.body(), 200, r.statusCode());
            assertTrue(r.body(), r.body().contains("\"udp.port\" : 9"));
            // the component took it: the WoL relay's UDP handler is enabled by udp_port, its filter appears
            awaitBody(h, "/runtime/filters", "wol-udp");

            // a configuration without metatype: plain JSON values
            r = h.send(h.api("/configs/" + BSN + ".HotDeployedGreeter").PUT(BodyPublishers.ofString("{\"greeting\": \"moin\"}")).build());
            assertEquals(r.body(), 200, r.statusCode());
            r = h.send(h.api("/configs/" + BSN + ".HotDeployedGreeter").GET().build());
            assertTrue(r.body(), r.body().contains("\"greeting\" : \"moin\""));
            r = h.send(h.api("/configs/" + BSN + ".HotDeployedGreeter").DELETE().build());
            assertEquals(r.body(), 200, r.statusCode());

            // the runtime DTOs
            r = h.send(h.api("/runtime").GET().build());
            assertEquals(r.body(), 200, r.statusCode());
            assertTrue(r.body(), r.body().contains("\"slotPort\" : \"1:1\"") && r.body().contains("\"name\" : \"wol\""));
            // the forwarding database (not in the snapshot: it asks the kernel for a fresh dump first)
            r = h.send(h.api("/runtime/fdb").GET().build());
            assertEquals(r.body(), 200, r.statusCode());
            assertTrue(r.body(), r.body().contains("\"agingMillis\" : 300000") && r.body().contains("\"entries\""));
            r = h.send(h.api("/runtime/nothing").GET().build());
            assertEquals(r.body(), 404, r.statusCode());

            // a platform bundle: refused as expkt:update refuses it (UpdateImpact), naming what would restart; nothing stops
            refusedThenForced(h);
            // nor is a platform bundle uninstalled: 409 naming it; it stays, untouched, and the relay serves on
            platformUninstallRefused(h);

            // remove
            r = h.send(h.api("/bundles/" + id).DELETE().build());
            assertEquals(r.body(), 200, r.statusCode());
            assertEquals(404, h.send(h.api("/bundles/" + id).GET().build()).statusCode());
            assertFalse(h.send(h.api("/bundles").GET().build()).body().contains(BSN));
        }
    }

    /**
     * Updating {@code expkt.api} and the keeper (which holds the relay's {@code PacketService}) through
     * the API (their own jars, from {@code run/platform}) without {@code force}: 409, naming the WoL relay
     * and why, the bundle not touched (same lastModified), the relay still serving; then the keeper with
     * {@code force=true}: updated, and every bundle active again with the relay serving its filter; then
     * the provider without {@code force}: 200, it restarts no other bundle, and the relay serves on.
     */
    static void refusedThenForced(OpsHost h) throws Exception {
        String all = h.send(h.api("/bundles").GET().build()).body();
        long api = idOf(all, "expkt.api");
        long keeper = idOf(all, "expkt.keeper");
        long provider = idOf(all, "expkt.provider");
        long wol = idOf(all, OpsHost.WOL);
        for (long target : new long[] {api, keeper}) {
            String before = h.send(h.api("/bundles/" + target).GET().build()).body();
            String bsn = target == api ? "expkt.api" : "expkt.keeper";
            HttpResponse<String> r = h.send(h.api("/bundles/" + target).PUT(BodyPublishers.ofFile(platformJar(h, bsn))).build());
            assertEquals(bsn + ": " + r.body(), 409, r.statusCode());
            assertTrue(r.body(), r.body().contains("refused: updating bundle " + target + " " + bsn));
            assertTrue("names the relay: " + r.body(), r.body().contains(wol + " " + OpsHost.WOL));
            assertTrue("says why, per bundle: " + r.body(), r.body().contains("\"restarts\" : [") && r.body().contains("\"symbolicName\" : \"" + OpsHost.WOL + "\""));
            assertTrue("says how to do it anyway: " + r.body(), r.body().contains("PUT /expkt/api/bundles/" + target + "?force=true"));
            assertEquals("not touched: " + bsn, field(before, "lastModified"), field(h.send(h.api("/bundles/" + target).GET().build()).body(), "lastModified"));
        }
        if (!h.send(h.api("/runtime/handlers").GET().build()).body().contains("\"state\" : \"active\"")) {
            throw new AssertionError("the relay's handler still active after the refusals: " + h.send(h.api("/runtime/handlers").GET().build()).body());
        }
        HttpResponse<String> r = h.send(h.api("/bundles/" + keeper + "?force=nope").PUT(BodyPublishers.ofFile(platformJar(h, "expkt.keeper"))).build());
        assertEquals(r.body(), 400, r.statusCode());

        // force=true: done, and the restarts it announced happen; the relay serves again
        r = h.send(h.api("/bundles/" + keeper + "?force=true").PUT(BodyPublishers.ofFile(platformJar(h, "expkt.keeper"))).build());
        assertEquals(r.body(), 200, r.statusCode());
        assertEquals("the keeper keeps its id", keeper, field(r.body(), "id"));
        awaitActiveAndServing(h, "after the forced keeper update");

        // the provider: no force needed, nobody restarted (the keeper replays the relay's sockets)
        r = h.send(h.api("/bundles/" + provider).PUT(BodyPublishers.ofFile(platformJar(h, "expkt.provider"))).build());
        assertEquals(r.body(), 200, r.statusCode());
        assertEquals("the provider keeps its id", provider, field(r.body(), "id"));
        awaitActiveAndServing(h, "after the provider update");
    }

    private static void awaitActiveAndServing(OpsHost h, String when) throws Exception {
        String[] seen = {"", ""}; // bundles, handlers
        Deadlines.await(OpsHost.WAIT_MS, when + ", every bundle active and the relay serving", () -> {
            seen[0] = get(h, "/bundles").body();
            HttpResponse<String> hr = get(h, "/runtime/handlers");
            seen[1] = hr.body();
            return !seen[0].matches("(?s).*\"state\" : \"(INSTALLED|RESOLVED|STARTING|STOPPING)\".*") && hr.statusCode() == 200
                    && seen[1].contains("\"filter\" : \"wol\"") && seen[1].contains("\"state\" : \"active\"");
        }, () -> seen[0] + "\n" + seen[1]);
    }

    /**
     * {@code DELETE} of platform bundles of the host jar (the keeper, and the web console), Gogo's
     * {@code uninstall N} and the web console's Uninstall ({@code POST /system/console/bundles/N
     * action=uninstall}): refused (409 / the message) naming the bundle and what to do instead; the bundle is still installed and active, not touched (same
     * lastModified), and the WoL relay (bound to the keeper's services) still serves its filter.
     */
    static void platformUninstallRefused(OpsHost h) throws Exception {
        String all = h.send(h.api("/bundles").GET().build()).body();
        for (String bsn : List.of("expkt.keeper", "org.apache.felix.webconsole")) {
            long id = idOf(all, bsn);
            String before = h.send(h.api("/bundles/" + id).GET().build()).body();
            HttpResponse<String> r = h.send(h.api("/bundles/" + id).DELETE().build());
            assertEquals(bsn + ": " + r.body(), 409, r.statusCode());
            assertTrue("names the bundle: " + r.body(), r.body().contains("refused: bundle " + id + " " + bsn + " ")
                    && r.body().contains("is a platform bundle of the host jar"));
            assertTrue("says what to do instead: " + r.body(), r.body().contains("PUT /expkt/api/bundles/" + id));
            // Gogo's uninstall (felix:uninstall, outranked by expkt.host's) refuses it the same way
            String out = h.host.command("uninstall " + id, OpsHost.WAIT_MS);
            assertTrue("Gogo's uninstall " + id + " printed:\n" + out, out.contains("refused: bundle " + id + " " + bsn + " ")
                    && out.contains("is a platform bundle of the host jar") && out.contains("expkt:update " + id));
            // and the web console's bundles plugin (its Uninstall button posts action=uninstall): 409 from expkt.ops's filter
            HttpResponse<String> wc = h.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(h.base() + "/system/console/bundles/" + id))
                    .timeout(java.time.Duration.ofSeconds(60)).header("Authorization", h.basicAuth())
                    .header("Content-Type", "application/x-www-form-urlencoded").POST(BodyPublishers.ofString("action=uninstall")).build());
            assertEquals("the web console's uninstall of " + bsn + ": " + wc.body(), 409, wc.statusCode());
            assertTrue("names the bundle: " + wc.body(), wc.body().contains("refused: bundle " + id + " " + bsn + " ")
                    && wc.body().contains("is a platform bundle of the host jar"));
            if (bsn.equals("expkt.keeper")) {
                assertTrue("names the WoL relay, which uses the keeper's services: " + out, out.contains(" expkt.protocol.wol"));
                assertTrue("names the WoL relay, which uses the keeper's services: " + wc.body(), wc.body().contains(" expkt.protocol.wol"));
            }
            r = h.send(h.api("/bundles/" + id).GET().build());
            assertEquals(bsn + " is still installed: " + r.body(), 200, r.statusCode());
            assertTrue(r.body(), r.body().contains("\"state\" : \"ACTIVE\""));
            assertEquals("not touched: " + bsn, field(before, "lastModified"), field(r.body(), "lastModified"));
        }
        awaitBody(h, "/runtime/handlers", "\"filter\" : \"wol\"");
        String handlers = h.send(h.api("/runtime/handlers").GET().build()).body();
        assertTrue("the relay serves on after the refusals: " + handlers, handlers.contains("\"state\" : \"active\""));
    }

    /** GET {@code path} of the host's REST API, inside a wait's condition: an I/O error fails the wait. */
    private static HttpResponse<String> get(OpsHost h, String path) {
        try {
            return h.send(h.api(path).GET().build());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + path, e);
        }
    }

    /** The jar the host installed the platform bundle {@code bsn} from ({@code run/platform/<bsn>-<version>.jar}). */
    static Path platformJar(OpsHost h, String bsn) throws Exception {
        try (var s = Files.list(h.run.resolve("platform"))) {
            List<Path> l = s.filter(p -> p.getFileName().toString().matches(Pattern.quote(bsn) + "-\\d.*\\.jar")).toList();
            assertEquals("one jar of " + bsn + " in " + h.run.resolve("platform") + ": " + l, 1, l.size());
            return l.get(0);
        }
    }

    /** The id of the bundle {@code bsn} in a {@code GET /bundles} body. */
    static long idOf(String bundles, String bsn) {
        Matcher m = Pattern.compile("\"id\" : (\\d+),\\s*\"symbolicName\" : \"" + Pattern.quote(bsn) + "\"").matcher(bundles);
        assertTrue(bsn + " in " + bundles, m.find());
        return Long.parseLong(m.group(1));
    }

    static void awaitBody(OpsHost h, String path, String text) throws Exception {
        String[] last = {""};
        Deadlines.await(OpsHost.WAIT_MS, "\"" + text + "\" in " + path, () -> (last[0] = get(h, path).body()).contains(text),
                () -> last[0]);
    }

    /** A copy of {@code in} with another Bundle-SymbolicName. */
    static Path renamed(Path in, Path out, String bsn) throws Exception {
        try (var is = Files.newInputStream(in); var jin = new java.util.jar.JarInputStream(is)) {
            var m = new java.util.jar.Manifest(jin.getManifest());
            m.getMainAttributes().putValue("Bundle-SymbolicName", bsn);
            try (var os = Files.newOutputStream(out); var jout = new java.util.jar.JarOutputStream(os, m)) {
                for (java.util.jar.JarEntry e; (e = jin.getNextJarEntry()) != null;) {
                    jout.putNextEntry(new java.util.jar.JarEntry(e.getName()));
                    jin.transferTo(jout);
                    jout.closeEntry();
                }
            }
        }
        return out;
    }

    static long field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\" : (\\d+)").matcher(json);
        assertTrue(name + " in " + json, m.find());
        return Long.parseLong(m.group(1));
    }

    static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
