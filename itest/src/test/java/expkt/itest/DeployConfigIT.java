package expkt.itest;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.Test;

/**
 * A configuration file in the deploy directory is the operator's: the host applies it and never
 * writes it. FileInstall's write-back (on by default) rewrote the file on each ConfigAdmin update,
 * truncating it first, and its own watcher could read it empty in between: the file was emptied and
 * the component reset to its defaults in about one host start of four (SoakIT's LLDP agent stayed on
 * a 30 s interval). The host turns the write-back off; the REST API then refuses to change or delete
 * such a configuration (a change there would be undone by the file at the next start) and names the
 * file to edit.
 */
public class DeployConfigIT {
    private static final String PID = OpsHost.WOL;

    @Test
    public void aDeployedConfigurationFileIsAppliedNeverRewrittenAndTheApiPointsToIt() throws Exception {
        Path scratch = Files.createTempDirectory(Files.createDirectories(Path.of("target/ops").toAbsolutePath()), "cfg-src");
        Path file = scratch.resolve(PID + ".config");
        byte[] content = "udp.port=I\"9\"\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Files.write(file, content);
        try (OpsHost h = OpsHost.start("deploy-config", OpsHost.wolJar(), file)) {
            Path deployed = h.run.resolve("deploy").resolve(PID + ".config");
            // applied: the configuration carries the file's value and name, and the relay took it (its UDP filter)
            RestIT.awaitBody(h, "/configs/" + PID, "\"udp.port\" : 9");
            RestIT.awaitBody(h, "/configs/" + PID, PID + ".config");
            RestIT.awaitBody(h, "/runtime/filters", "wol-udp");

            HttpResponse<String> r = h.send(h.api("/configs/" + PID).PUT(BodyPublishers.ofString("{\"udp.port\": 7}")).build());
            assertEquals(r.body(), 409, r.statusCode());
            assertTrue(r.body(), r.body().contains(deployed.toString()) && r.body().contains("change that file instead"));
            r = h.send(h.api("/configs/" + PID).DELETE().build());
            assertEquals(r.body(), 409, r.statusCode());
            assertTrue(r.body(), r.body().contains("delete that file instead"));

            // the refused calls changed nothing: the value is the file's, the file is byte for byte the operator's
            r = h.send(h.api("/configs/" + PID).GET().build());
            assertEquals(r.body(), 200, r.statusCode());
            assertTrue(r.body(), r.body().contains("\"udp.port\" : 9"));
            assertArrayEquals("the host does not write the operator's file", content, Files.readAllBytes(deployed));

            // the file is the way to change it: a new value in the file reaches the configuration
            Path next = h.run.resolve(PID + ".config.new");
            Files.writeString(next, "udp.port=I\"7\"\n");
            Files.move(next, deployed, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            RestIT.awaitBody(h, "/configs/" + PID, "\"udp.port\" : 7");
        }
    }
}
