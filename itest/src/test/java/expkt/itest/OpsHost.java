package expkt.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import expkt.lab.Exec;
import expkt.lab.Lab;

/**
 * The exported host jar as a real process beside a one-port lab (its data plane), listening for HTTP
 * on 127.0.0.1 and a free port of the test's namespace; the web console password and REST token are
 * read from the run directory where the host generated them (and their mode checked).
 *
 * <p>Threading: used by one test thread.
 */
final class OpsHost implements AutoCloseable {
    static final long WAIT_MS = 90_000;
    final Lab lab;
    final Path run;
    final int port;
    final HostProcess host;
    final String password;
    final String token;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private OpsHost(Lab lab, Path run, int port, HostProcess host) throws Exception {
        this.lab = lab;
        this.run = run;
        this.port = port;
        this.host = host;
        host.awaitStarted(WAIT_MS);
        host.awaitLine("expkt ops: web console http://127.0.0.1:" + port + "/system/console/", WAIT_MS);
        this.password = secret(run.resolve("webconsole.password"));
        this.token = secret(run.resolve("rest.token"));
        assertTrue("the generated password is printed once: " + host.output(), host.output().contains(" password " + password + " (generated now"));
        awaitHttp();
    }

    /** Starts a lab and the host; {@code deploy} jars are put into the deploy directory first. */
    static OpsHost start(String name, Path... deploy) throws Exception {
        Path run = Files.createTempDirectory(Files.createDirectories(Path.of("target/ops").toAbsolutePath()), name);
        Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwx------"));
        Path dir = Files.createDirectories(run.resolve("deploy"));
        for (Path jar : deploy) {
            Files.copy(jar, dir.resolve(jar.getFileName()));
        }
        Lab.cleanStale();
        Lab lab = Lab.builder().ports(1).build();
        HostProcess host = null;
        try {
            int port = freePort();
            host = HostProcess.startBesideLab(lab, run, "expkt.http.port=" + port);
            return new OpsHost(lab, run, port, host);
        } catch (Throwable t) {
            if (host != null) {
                host.close();
            }
            lab.close();
            throw t;
        }
    }

    static final String WOL = "expkt.protocol.wol";
    /** The target MAC of the magic packets {@link #sendMagicPackets} sends. */
    static final String MAGIC_TARGET = "02:aa:bb:cc:dd:01";

    static Path wolJar() {
        return ExpktOptions.jar("expkt.bundle.expkt.protocol.wol").toPath();
    }

    static Path lldpJar() {
        return ExpktOptions.jar("expkt.bundle.expkt.protocol.lldp").toPath();
    }

    String base() {
        return "http://127.0.0.1:" + port;
    }

    /** A request with the REST token. */
    HttpRequest.Builder api(String path) {
        return HttpRequest.newBuilder(URI.create(base() + "/expkt/api" + path)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + token);
    }

    HttpResponse<String> send(HttpRequest r) throws IOException, InterruptedException {
        return http.send(r, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    String basicAuth() {
        return "Basic " + Base64.getEncoder().encodeToString(("admin:" + password).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Sends {@code count} Wake-on-LAN frames (ethertype 0x0842, broadcast) from the lab's host 1 into
     * port 1:1, with Scapy in one process.
     */
    void sendMagicPackets(int count) {
        String py = "from scapy.all import Ether, sendp\n"
                + "f = Ether(dst='ff:ff:ff:ff:ff:ff', type=0x0842) / (b'\\xff' * 6 + bytes.fromhex('" + MAGIC_TARGET.replace(":", "") + "') * 16)\n"
                + "sendp(f, iface='veth0', count=" + count + ", inter=0.01, verbose=0)\n";
        // Debian's python3, where python3-scapy is (not whatever python3 comes first on the test's PATH)
        String python = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
        Exec.Result r = lab.exec(lab.host(1).ns(), python, "-c", py);
        assertEquals("scapy sendp: " + r, 0, r.exitCode());
    }

    private void awaitHttp() throws Exception {
        long deadline = System.currentTimeMillis() + WAIT_MS;
        List<String> seen = new ArrayList<>();
        while (System.currentTimeMillis() < deadline) {
            try {
                HttpResponse<String> r = send(api("/bundles").GET().build());
                if (r.statusCode() == 200) {
                    return;
                }
                seen.add(String.valueOf(r.statusCode()));
            } catch (IOException notYet) {
                seen.add(notYet.toString());
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the REST API did not answer 200 within " + WAIT_MS + " ms: " + seen.subList(Math.max(0, seen.size() - 3), seen.size())
                + "\nhost output:\n" + host.output());
    }

    private static String secret(Path file) throws IOException {
        assertEquals(file + " is the owner's only", "rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        String s = Files.readString(file).strip();
        assertTrue(file + " holds a secret of at least 128 bits", s.length() >= 22);
        return s;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws Exception {
        try {
            host.close();
        } finally {
            lab.close();
        }
    }
}
