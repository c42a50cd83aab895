package expkt.itest.vr;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import expkt.api.vr.VirtualRouter;
import expkt.api.vr.VirtualRouters;
import expkt.lab.Lab;
import expkt.lab.Topologies;
import expkt.lab.TwoVrs;

/**
 * Probe side: two VRs with the SAME addresses inside the test class's lab (the lab topology
 * {@link Topologies#twoVrs(Lab, String, String)}), configured through ConfigAdmin as an operator
 * would. vra and vrb each link to a host namespace (hosta, hostb) with 10.0.0.1/24 on the VR side and
 * 10.0.0.2/24 on the host side; the topology's UDP+TCP echo server in each host prefixes its reply
 * with A or B. VR-Mgmt and VR-Control live in the lab's mgmt namespace,
 * VR-Default in dflt: nothing of the test touches the root namespace.
 */
final class VrLabSetup {
    static final int ECHO_PORT = TwoVrs.ECHO_PORT;
    static final InetSocketAddress ECHO = new InetSocketAddress("10.0.0.2", ECHO_PORT);
    static final String VR_HEADER = "Expkt-VirtualRouter";
    final String mgmt;
    final String dflt;
    final String vra;
    final String vrb;
    final String hosta;
    final String hostb;

    private VrLabSetup(Lab lab) throws Exception {
        TwoVrs vrs = Topologies.twoVrs(lab, "10.0.0.2", "10.0.0.2");
        mgmt = vrs.mgmt();
        dflt = vrs.dflt();
        vra = vrs.vra();
        vrb = vrs.vrb();
        hosta = vrs.hostA();
        hostb = vrs.hostB();
        vrs.startEchoServers(Path.of("target/itest-logs"));
    }

    private static volatile VrLabSetup instance;

    /** Once per framework (the probe's statics live as long as the framework of the test class). */
    static synchronized VrLabSetup once(Lab lab, ConfigurationAdmin cm, VirtualRouters vrs) throws Exception {
        if (instance == null) {
            VrLabSetup s = new VrLabSetup(lab);
            Configuration builtins = cm.getConfiguration("expkt.vr", "?");
            builtins.update(dict("mgmt.location", s.mgmt, "control.location", s.mgmt, "default.location", s.dflt));
            cm.createFactoryConfiguration("expkt.vr.router", "?").update(dict("name", "VR-A", "id", 10, "location", s.vra));
            cm.createFactoryConfiguration("expkt.vr.router", "?").update(dict("name", "VR-B", "id", 11, "location", s.vrb));
            // a duplicate id: refused with an error naming it, the good ones stay
            cm.createFactoryConfiguration("expkt.vr.router", "?").update(dict("name", "VR-Dup", "id", 10, "location", s.vrb));
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (System.nanoTime() < deadline) {
                List<VirtualRouter> l = vrs.list();
                if (l.size() >= 5 && s.dflt.equals(vrs.byId(2).location())) {
                    break;
                }
                Thread.sleep(50);
            }
            instance = s;
        }
        return instance;
    }

    static String names(List<VirtualRouter> vrs) {
        return vrs.stream().map(v -> v.id() + "=" + v.name()).collect(Collectors.joining(","));
    }

    static Dictionary<String, Object> dict(Object... kv) {
        Hashtable<String, Object> d = new Hashtable<>();
        for (int i = 0; i < kv.length; i += 2) {
            d.put((String) kv[i], kv[i + 1]);
        }
        return d;
    }

    static String udpEcho(DatagramChannel ch, String msg) throws IOException {
        ch.send(ByteBuffer.wrap(msg.getBytes(StandardCharsets.US_ASCII)), ECHO);
        ch.socket().setSoTimeout(3000);
        java.net.DatagramPacket p = new java.net.DatagramPacket(new byte[2048], 2048);
        ch.socket().receive(p);
        return new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII);
    }

    static String tcpEcho(SocketChannel ch, String msg) throws IOException {
        ch.socket().connect(ECHO, 3000);
        ch.write(ByteBuffer.wrap(msg.getBytes(StandardCharsets.US_ASCII)));
        ch.socket().setSoTimeout(3000);
        return new String(ch.socket().getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
    }

    /** Installs and starts a manifest-only bundle, with an Expkt-VirtualRouter header when vr is not null. */
    static Bundle protocolBundle(BundleContext context, String symbolicName, String vr) throws Exception {
        Manifest mf = new Manifest();
        Attributes a = mf.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", symbolicName);
        a.putValue("Bundle-Version", "1.0.0");
        if (vr != null) {
            a.putValue(VR_HEADER, vr);
        }
        ByteArrayOutputStream jar = new ByteArrayOutputStream();
        try (JarOutputStream out = new JarOutputStream(jar, mf)) {
            out.flush();
        }
        Bundle b = context.installBundle("itest:" + symbolicName, new java.io.ByteArrayInputStream(jar.toByteArray()));
        b.start();
        return b;
    }

    static long openFds() throws IOException {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    /**
     * The process's socket and anonymous-inode fds (sockets, epoll and eventfd of selectors) as
     * {@code fd -> socket:[inode]}: what a socket left open would leave. Other files come and go with
     * other bundles of the framework (ConfigAdmin's store, logs), so they are not compared.
     */
    static java.util.Map<Integer, String> socketFds() throws IOException {
        java.util.Map<Integer, String> out = new java.util.TreeMap<>();
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            for (Path p : (Iterable<Path>) s::iterator) {
                try {
                    String target = Files.readSymbolicLink(p).toString();
                    if (target.startsWith("socket:") || target.startsWith("anon_inode:")) {
                        out.put(Integer.parseInt(p.getFileName().toString()), target);
                    }
                } catch (IOException gone) {
                    // the fd of the listing itself, or one closed meanwhile
                }
            }
        }
        return out;
    }
}
