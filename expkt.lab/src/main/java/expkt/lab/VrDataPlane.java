package expkt.lab;

import java.util.ArrayList;
import java.util.List;

/**
 * A data plane with ports in two VRs besides the switch's own: the lab's switch namespace keeps its
 * ports {@code p1..pN} (VR-Default, slot 1), and two more namespaces, one per VR, hold two ports each,
 * every port with a far host of its own:
 *
 * <pre>
 *   [prefix-sw]  p1 ── h1 veth0 [prefix-h1]     p2 ── h2 veth0 [prefix-h2]      VR-Default  1:1 1:2
 *   [prefix-dpa] p1 ── veth0 [prefix-a1]        p2 ── veth0 [prefix-a2]         VR-A        2:1 2:2
 *   [prefix-dpb] p1 ── veth0 [prefix-b1]        p2 ── veth0 [prefix-b2]         VR-B        3:1 3:2
 * </pre>
 *
 * The VR namespaces name their ports as the switch does ({@code p1}, {@code p2}) on purpose: an
 * interface is one per namespace, so a provider that mixed up namespaces (ifindexes or names are
 * per namespace) sends or attributes a frame to the wrong port, which the far hosts show.
 * {@link #portEntries()} is the provider's port configuration ({@code expkt.dataplane ports}) of this
 * topology; the VR names and ids are {@link TwoVrs}'s ({@value TwoVrs#VR_A} = {@value TwoVrs#VR_A_ID},
 * {@value TwoVrs#VR_B} = {@value TwoVrs#VR_B_ID}), whose namespaces are {@link #vra()} / {@link #vrb()}.
 *
 * <p>The namespaces belong to the lab. Threading: built by one thread; getters from any thread.
 */
public final class VrDataPlane implements AutoCloseable {
    public static final String VR_A = TwoVrs.VR_A;
    public static final String VR_B = TwoVrs.VR_B;
    public static final int VR_A_ID = TwoVrs.VR_A_ID;
    public static final int VR_B_ID = TwoVrs.VR_B_ID;
    /** Ports per VR namespace. */
    public static final int PORTS_PER_VR = 2;

    private final Lab lab;
    private final boolean ownsLab;
    private final String vra;
    private final String vrb;
    private final List<Host> hostsA = new ArrayList<>();
    private final List<Host> hostsB = new ArrayList<>();

    VrDataPlane(Lab lab, boolean ownsLab) {
        this.lab = lab;
        this.ownsLab = ownsLab;
        vra = lab.namespace("dpa");
        vrb = lab.namespace("dpb");
        for (int i = 1; i <= PORTS_PER_VR; i++) {
            hostsA.add(host(vra, "a", i));
            hostsB.add(host(vrb, "b", i));
        }
    }

    private Host host(String vrNs, String role, int i) {
        String h = lab.namespace(role + i);
        lab.link(vrNs, "p" + i, h, "veth0");
        return new Host(i, h, "veth0", lab.mac(h, "veth0"), "p" + i, lab.mac(vrNs, "p" + i));
    }

    public Lab lab() {
        return lab;
    }

    /** VR-A's namespace (ports p1, p2). */
    public String vra() {
        return vra;
    }

    /** VR-B's namespace (ports p1, p2). */
    public String vrb() {
        return vrb;
    }

    /** The far hosts of VR-A's ports p1, p2 (index 1, 2). */
    public List<Host> hostsA() {
        return List.copyOf(hostsA);
    }

    /** The far hosts of VR-B's ports p1, p2 (index 1, 2). */
    public List<Host> hostsB() {
        return List.copyOf(hostsB);
    }

    /**
     * The provider's port entries: the switch's ports as {@code 1:i=pi}, VR-A's as
     * {@code 2:i=pi vr=VR-A}, VR-B's as {@code 3:i=pi vr=VR-B}.
     */
    public String[] portEntries() {
        List<String> l = new ArrayList<>();
        for (Host h : lab.hosts()) {
            l.add("1:" + h.index() + "=" + h.switchIf());
        }
        for (Host h : hostsA) {
            l.add("2:" + h.index() + "=" + h.switchIf() + " vr=" + VR_A);
        }
        for (Host h : hostsB) {
            l.add("3:" + h.index() + "=" + h.switchIf() + " vr=" + VR_B);
        }
        return l.toArray(String[]::new);
    }

    /** Closes the lab if the topology made it ({@link Topologies#vrDataPlane()}); else nothing (the lab's owner does). */
    @Override
    public void close() {
        if (ownsLab) {
            lab.close();
        }
    }
}
