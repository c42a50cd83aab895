package expkt.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;

import org.junit.Test;

import expkt.lab.Deadlines;

/**
 * Updating, through the REST API, a platform bundle whose refresh restarts the web server the request
 * came in through (ConfigAdmin: Felix HTTP, the web console and {@code expkt.ops} are wired to it).
 * The answer arrives (202, naming what the refresh restarts: done inside the request, the refresh
 * stopped the server under it and the client got no answer at all), the refresh happens, every bundle is active again, the API and the console
 * serve, the WoL relay serves its filter, and nothing was logged at ERROR (the refresh of the
 * closure is the same stepwise one as {@code expkt:refresh}'s).
 */
public class RestPlatformUpdateIT {
    @Test
    public void configAdminUpdatedThroughTheApiRestartsTheWebServerCleanly() throws Exception {
        try (OpsHost h = OpsHost.start("restplat", OpsHost.wolJar())) {
            RestIT.awaitBody(h, "/runtime/handlers", "\"filter\" : \"wol\"");
            String all = h.send(h.api("/bundles").GET().build()).body();
            long cm = RestIT.idOf(all, "org.apache.felix.configadmin");
            String before = h.send(h.api("/bundles/" + cm).GET().build()).body();
            Path jar = RestIT.platformJar(h, "org.apache.felix.configadmin");
            HttpResponse<String> r = h.send(h.api("/bundles/" + cm + "?force=true").PUT(BodyPublishers.ofFile(jar)).build());
            // the answer comes before the refresh that restarts the web server it goes out through
            assertEquals("the forced update of ConfigAdmin: " + r.body(), 202, r.statusCode());
            assertEquals("the same bundle: " + r.body(), cm, RestIT.field(r.body(), "id"));
            assertTrue("names what the refresh restarts, this API's bundle among them: " + r.body(),
                    r.body().contains("\"restarts\" : [") && r.body().contains(" expkt.ops\"") && r.body().contains(" org.apache.felix.http.jetty\""));
            // the refresh runs after the answer: wait for its outcome first, or the wait below can be met by the
            // bundles as they were before the refresh stopped them (and the next call meet a stopped API: 404)
            HostDeployIT.awaitLogCount(h.run.resolve("expkt.log"), "refresh: refreshed ", 1);
            String[] seen = {"", ""};
            Deadlines.await(OpsHost.WAIT_MS, "after the update, the API answers, every bundle is active and the relay serves", () -> {
                HttpResponse<String> b = send(h, h.api("/bundles").GET().build(), seen);
                HttpResponse<String> hr = send(h, h.api("/runtime/handlers").GET().build(), seen);
                if (b == null || hr == null) {
                    return false;
                }
                seen[0] = b.statusCode() + " " + b.body();
                seen[1] = hr.statusCode() + " " + hr.body();
                return b.statusCode() == 200 && !b.body().matches("(?s).*\"state\" : \"(INSTALLED|RESOLVED|STARTING|STOPPING)\".*")
                        && hr.statusCode() == 200 && hr.body().contains("\"filter\" : \"wol\"") && hr.body().contains("\"state\" : \"active\"");
            }, () -> seen[0] + "\n" + seen[1]);
            String after = h.send(h.api("/bundles/" + cm).GET().build()).body();
            assertTrue("ConfigAdmin was updated (lastModified moved): " + before + "\n" + after,
                    RestIT.field(after, "lastModified") > RestIT.field(before, "lastModified"));
            // the web console serves again, behind its password
            Deadlines.await(OpsHost.WAIT_MS, "the web console serves again", () -> {
                HttpResponse<String> c = send(h, java.net.http.HttpRequest.newBuilder(java.net.URI.create(h.base() + "/system/console/bundles"))
                        .timeout(java.time.Duration.ofSeconds(30)).header("Authorization", h.basicAuth()).GET().build(), seen);
                return c != null && c.statusCode() == 200;
            }, () -> "no 200 from /system/console/bundles: " + seen[0]);
            List<String> errors = HostDeployIT.errors(h.run.resolve("expkt.log"));
            assertEquals("no ERROR in the log after the update of ConfigAdmin through the API:\n" + errors, List.of(), errors);
        }
    }

    /** The response, or null (the reason in {@code seen[0]}) while the web server is not back. */
    private static HttpResponse<String> send(OpsHost h, java.net.http.HttpRequest r, String[] seen) {
        try {
            return h.send(r);
        } catch (java.io.IOException notYet) {
            seen[0] = notYet.toString();
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
