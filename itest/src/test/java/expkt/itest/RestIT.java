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
            r = h.send(h.api("/runtime/nothing").GET().build());
            assertEquals(r.body(), 404, r.statusCode());

            // remove
            r = h.send(h.api("/bundles/" + id).DELETE().build());
            assertEquals(r.body(), 200, r.statusCode());
            assertEquals(404, h.send(h.api("/bundles/" + id).GET().build()).statusCode());
            assertFalse(h.send(h.api("/bundles").GET().build()).body().contains(BSN));
        }
    }

    static void awaitBody(OpsHost h, String path, String text) throws Exception {
        long deadline = System.currentTimeMillis() + OpsHost.WAIT_MS;
        String last = "";
        while (System.currentTimeMillis() < deadline) {
            last = h.send(h.api(path).GET().build()).body();
            if (last.contains(text)) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no \"" + text + "\" in " + path + " within " + OpsHost.WAIT_MS + " ms:\n" + last);
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
