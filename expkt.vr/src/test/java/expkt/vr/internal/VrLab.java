package expkt.vr.internal;

import expkt.lab.Lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Two VRs with the SAME addresses: namespaces vra and vrb, each linked to its own host namespace
 * (hosta, hostb), 10.0.0.1/24 on the VR side and 10.0.0.2/24 on the host side in both. Each host runs
 * a Python UDP+TCP echo server on port 7007 that prefixes its reply with its tag (A or B), so a reply
 * says which VR the client reached. Built-in VRs live in the lab's own namespaces (mgmt, dflt), never
 * in the root namespace.
 */
final class VrLab implements AutoCloseable {
    static final int ECHO_PORT = 7007;
    static final String ECHO = """
            import select, socket, sys
            tag = sys.argv[1].encode()
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            u.bind(("0.0.0.0", 7007))
            t = socket.socket()
            t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            t.bind(("0.0.0.0", 7007))
            t.listen(16)
            print("ready", flush=True)
            while True:
                r, _, _ = select.select([u, t], [], [])
                for s in r:
                    if s is u:
                        d, a = u.recvfrom(2048)
                        u.sendto(tag + b":" + d, a)
                    else:
                        c, a = t.accept()
                        d = c.recv(2048)
                        c.sendall(tag + b":" + d)
                        c.close()
            """;

    final Lab lab;
    final String mgmt;
    final String dflt;
    final String vra;
    final String vrb;
    final String hosta;
    final String hostb;
    final Path logDir;

    VrLab() throws IOException {
        Lab.cleanStale();
        lab = Lab.builder().ports(0).build();
        try {
            mgmt = lab.namespace("mgmt");
            dflt = lab.namespace("dflt");
            vra = lab.namespace("vra");
            vrb = lab.namespace("vrb");
            hosta = lab.namespace("hosta");
            hostb = lab.namespace("hostb");
            lab.link(vra, "v0", hosta, "h0");
            lab.link(vrb, "v0", hostb, "h0");
            lab.addr(vra, "v0", "10.0.0.1/24");
            lab.addr(hosta, "h0", "10.0.0.2/24");
            lab.addr(vrb, "v0", "10.0.0.1/24");
            lab.addr(hostb, "h0", "10.0.0.2/24");
            logDir = Files.createTempDirectory("xkvr");
            Path la = logDir.resolve("echo-a.log");
            Path lb = logDir.resolve("echo-b.log");
            lab.spawn(hosta, la, "python3", "-u", "-c", ECHO, "A");
            lab.spawn(hostb, lb, "python3", "-u", "-c", ECHO, "B");
            waitReady(la);
            waitReady(lb);
        } catch (IOException | RuntimeException e) {
            lab.close();
            throw e;
        }
    }

    private static void waitReady(Path log) throws IOException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readString(log).contains("ready")) {
                return;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }
        throw new IOException("echo server did not start: " + (Files.exists(log) ? Files.readString(log) : "no log"));
    }

    /** A table with VR-Mgmt/VR-Control in mgmt, VR-Default in dflt, VR-A (10) in vra, VR-B (11) in vrb. */
    VrTable table() {
        VrTable t = new VrTable(VrfSupport.detect());
        t.setBuiltins(mgmt, mgmt, dflt);
        t.add(10, "VR-A", null, vra);
        t.add(11, "VR-B", null, vrb);
        return t;
    }

    static long openFds() throws IOException {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    @Override
    public void close() {
        lab.close();
    }
}
