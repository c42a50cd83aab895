package expkt.itest.select;

import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.HexFormat;
import java.util.Map;

import org.osgi.service.cm.ConfigurationAdmin;

import expkt.api.vr.VirtualRouters;
import expkt.lab.Lab;

/**
 * Probe side: the peers of the seed's programs in the test class's lab. The lab's switch namespace is
 * the data plane (ports 1:1, 1:2 to hosts h1, h2); a user VR {@value #VR} (id {@value #VR_ID}) is a
 * namespace of the lab linked to a host namespace {@code vrhost}: 10.9.0.1/24 on the VR side,
 * 10.9.0.2/24 on the host side. VR-Mgmt and VR-Control (the probe's affinity) live in the lab's
 * {@code mgmt} namespace. Every peer action is a real packet sent by a real process there.
 */
final class SeedLab {
    static final String VR = "VR-Seed";
    static final int VR_ID = 20;
    static final String VR_ADDR = "10.9.0.1";
    static final String HOST_ADDR = "10.9.0.2";

    private static final Map<String, SeedLab> ONCE = new HashMap<>();

    final Lab lab;
    final String vrNs;
    final String vrHost;
    final String mgmtNs;

    private SeedLab(Lab lab) {
        this.lab = lab;
        vrNs = lab.namespace("vrseed");
        vrHost = lab.namespace("vrhost");
        mgmtNs = lab.namespace("mgmt");
        lab.link(vrNs, "v0", vrHost, "h0");
        lab.addr(vrNs, "v0", VR_ADDR + "/24");
        lab.addr(vrHost, "h0", HOST_ADDR + "/24");
    }

    /** Once per lab: the VR namespaces, and the VR configured through ConfigAdmin (waits until the registry has it). */
    static synchronized SeedLab once(Lab lab, ConfigurationAdmin cm, VirtualRouters vrs) throws Exception {
        SeedLab s = ONCE.get(lab.prefix());
        if (s == null) {
            s = new SeedLab(lab);
            // VR-Mgmt and VR-Control (the default affinity) in a namespace of the lab: nothing touches the root namespace
            cm.getConfiguration("expkt.vr", "?").update(dict("mgmt.location", s.mgmtNs, "control.location", s.mgmtNs));
            cm.createFactoryConfiguration("expkt.vr.router", "?").update(dict("name", VR, "id", VR_ID, "location", s.vrNs));
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (true) {
                try {
                    vrs.byName(VR);
                    if (!s.mgmtNs.equals(vrs.byId(0).location())) {
                        throw new IllegalArgumentException("VR-Mgmt is not in " + s.mgmtNs + " yet");
                    }
                    break;
                } catch (IllegalArgumentException notYet) {
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError("VR " + VR + " never appeared in the registry", notYet);
                    }
                    Thread.sleep(20);
                }
            }
            ONCE.put(lab.prefix(), s);
        }
        return s;
    }

    static Dictionary<String, Object> dict(Object... kv) {
        Hashtable<String, Object> d = new Hashtable<>();
        for (int i = 0; i < kv.length; i += 2) {
            d.put((String) kv[i], kv[i + 1]);
        }
        return d;
    }

    /** Host {@code i} (1-based) sends {@code frame} out of its veth0, i.e. into port 1:i. */
    void sendFrame(int i, byte[] frame) {
        lab.exec(lab.host(i).ns(), "python3", "-c",
                "import socket,sys; s=socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind(('veth0', 0)); "
                        + "s.send(bytes.fromhex(sys.argv[1]))",
                HexFormat.of().formatHex(frame)).check();
    }

    /** The VR's peer sends one UDP datagram to {@code VR_ADDR:port}. */
    void sendUdp(int port, String text) {
        lab.exec(vrHost, "python3", "-c",
                "import socket,sys; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(sys.argv[1].encode(), ('"
                        + VR_ADDR + "', int(sys.argv[2])))",
                text, Integer.toString(port)).check();
    }

    /** The VR's peer pings the VR once (one ICMP echo request reaches it; its kernel answers). */
    void ping() {
        lab.exec(vrHost, "ping", "-c", "1", "-W", "2", VR_ADDR).check();
    }

    /** An Ethernet frame to the seed's filter1 MAC 00:E0:2B:00:00:00 (or broadcast) with {@code ethertype} and a marker byte. */
    static byte[] frame(int ethertype, int marker) {
        byte[] f = new byte[60];
        byte[] dst = {0x00, (byte) 0xE0, 0x2B, 0, 0, 0};
        System.arraycopy(dst, 0, f, 0, 6);
        byte[] src = {0x02, 0, 0, 0, 0x5e, (byte) marker};
        System.arraycopy(src, 0, f, 6, 6);
        f[12] = (byte) (ethertype >> 8);
        f[13] = (byte) ethertype;
        f[14] = (byte) marker;
        return f;
    }
}
