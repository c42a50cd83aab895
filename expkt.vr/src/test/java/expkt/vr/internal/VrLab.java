package expkt.vr.internal;

import expkt.lab.Lab;
import expkt.lab.Topologies;
import expkt.lab.TwoVrs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Two VRs with the SAME addresses, the lab topology {@link Topologies#twoVrs()}: namespaces vra and
 * vrb, each linked to its own host namespace (hosta, hostb), 10.0.0.1/24 on the VR side and
 * 10.0.0.2/24 on the host side in both. Each host runs the topology's UDP+TCP echo server on port
 * 7007 that prefixes its reply with its tag (A or B), so a reply says which VR the client reached.
 * Built-in VRs live in the lab's own namespaces (mgmt, dflt), never in the root namespace.
 */
final class VrLab implements AutoCloseable {
    static final int ECHO_PORT = TwoVrs.ECHO_PORT;

    final TwoVrs vrs;
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
        vrs = Topologies.twoVrs();
        try {
            lab = vrs.lab();
            mgmt = vrs.mgmt();
            dflt = vrs.dflt();
            vra = vrs.vra();
            vrb = vrs.vrb();
            hosta = vrs.hostA();
            hostb = vrs.hostB();
            logDir = Files.createTempDirectory("xkvr");
            vrs.startEchoServers(logDir);
        } catch (IOException | RuntimeException e) {
            vrs.close();
            throw e;
        }
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
        vrs.close();
    }
}
