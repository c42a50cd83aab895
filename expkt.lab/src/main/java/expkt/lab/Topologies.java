package expkt.lab;

/**
 * Named lab topologies, so that tests of different modules mean the same thing by "two VRs" or "a
 * VLAN trunk" and nobody builds them by hand:
 *
 * <ul>
 *   <li>{@link #twoVrs()} — two virtual routers with the same subnet, a host behind each ({@link TwoVrs});</li>
 *   <li>{@link #vlanTrunk()} — three ports: access, trunk, access, with their VLAN configuration ({@link VlanTrunk});</li>
 *   <li>{@link #bridgedHosts(int)} — hosts on a Linux bridge, each with an IPv4 address;</li>
 *   <li>{@link #vrDataPlane()} — a data plane with two ports in VR-Default, two in VR-A's namespace, two in VR-B's ({@link VrDataPlane}).</li>
 * </ul>
 *
 * A method without a {@link Lab} argument makes a lab of its own (closed with the topology); one
 * with a lab builds inside it (a Pax Exam test's {@code lab()}, a lab with other parts), and the lab's
 * owner removes it. Every topology is real: namespaces, veth links, addresses, set up with
 * {@code ip}; a step that fails throws {@link LabException} naming the command, and what was built
 * is removed.
 *
 * <p>Threading: as {@link Lab}: a topology is built by one thread.
 */
public final class Topologies {
    /** The subnet of {@link #bridgedHosts(int)}: host {@code i} has {@code 10.0.1.i/24}. */
    public static final String BRIDGED_SUBNET = "10.0.1.0/24";

    private Topologies() {
    }

    /** Two VRs in a lab of their own (no switch port), both hosts at {@code 10.0.0.2}. */
    public static TwoVrs twoVrs() {
        return twoVrs("10.0.0.2", "10.0.0.2");
    }

    /** Two VRs in a lab of their own (no switch port), the hosts at the given {@code 10.0.0.x} addresses. */
    public static TwoVrs twoVrs(String hostAAddress, String hostBAddress) {
        Lab lab = Lab.builder().ports(0).build();
        try {
            return new TwoVrs(lab, true, hostAAddress, hostBAddress);
        } catch (RuntimeException e) {
            lab.close();
            throw e;
        }
    }

    /**
     * Two VRs inside {@code lab} (which keeps them; namespaces {@code mgmt dflt vra vrb hosta hostb} of
     * its prefix, so once per lab), the hosts at the given {@code 10.0.0.x} addresses.
     */
    public static TwoVrs twoVrs(Lab lab, String hostAAddress, String hostBAddress) {
        return new TwoVrs(lab, false, hostAAddress, hostBAddress);
    }

    /** Two switch ports plus two ports in each of VR-A's and VR-B's namespaces, a far host on each, in a lab of their own. */
    public static VrDataPlane vrDataPlane() {
        Lab lab = Lab.builder().ports(2).build();
        try {
            return new VrDataPlane(lab, true);
        } catch (RuntimeException e) {
            lab.close();
            throw e;
        }
    }

    /** {@link #vrDataPlane()} inside {@code lab} (namespaces {@code dpa dpb a1 a2 b1 b2} of its prefix, so once per lab). */
    public static VrDataPlane vrDataPlane(Lab lab) {
        return new VrDataPlane(lab, false);
    }

    /** Access port 1:1, trunk 1:2, access port 1:3, in a lab of their own ({@link VlanTrunk}). */
    public static VlanTrunk vlanTrunk() {
        return new VlanTrunk(Lab.builder().ports(3).build());
    }

    /**
     * {@code hosts} hosts on a bridged switch (bridge {@code br0} in the switch namespace joins
     * p1..pN, so frames are forwarded as on a switch with no software in the way), host {@code i}
     * with {@code 10.0.1.i/24} on its veth0.
     */
    public static Lab bridgedHosts(int hosts) {
        if (hosts < 1 || hosts > 64) {
            throw new IllegalArgumentException("bridged host count " + hosts + " is outside 1..64");
        }
        Lab lab = Lab.builder().ports(hosts).bridge(true).build();
        try {
            for (Host h : lab.hosts()) {
                lab.addr(h.ns(), h.ifName(), "10.0.1." + h.index() + "/24");
            }
            return lab;
        } catch (RuntimeException e) {
            lab.close();
            throw e;
        }
    }
}
