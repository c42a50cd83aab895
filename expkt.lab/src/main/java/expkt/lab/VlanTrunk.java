package expkt.lab;

import java.util.List;

/**
 * A three-port switch with an access port, a trunk and another access port, and the VLAN
 * configuration that makes them so:
 *
 * <pre>
 *   [prefix-h1] veth0 ──── p1 (1:1)  untagged in "hosts" (tag 10)
 *   [prefix-h2] veth0 ──── p2 (1:2)  tagged in "blue" (tag 100)
 *   [prefix-h3] veth0 ──── p3 (1:3)  untagged in "green" (tag 200)
 * </pre>
 *
 * {@link #vlans()} is the data plane's VLAN list in the provider's configuration form (the
 * {@code vlans} of {@code expkt.dataplane}); a switch under test built with it has those VLANs.
 * Host 2 is the trunked device: what the switch sends into blue arrives there with tag 100, and a
 * frame it sends with tag 100 (a raw socket on its veth0) arrives in blue. (No VLAN interface on the
 * host: the kernels the tests run on need not have the 8021q module.)
 *
 * <p>The ports are not bridged: what crosses from one to another is what the software under test
 * sends. Threading: built and closed by one thread; the getters are safe from any thread.
 */
public final class VlanTrunk implements AutoCloseable {
    public static final String ACCESS = "hosts";
    public static final int ACCESS_TAG = 10;
    public static final String TRUNKED = "blue";
    public static final int TRUNKED_TAG = 100;
    public static final String OTHER = "green";
    public static final int OTHER_TAG = 200;

    private final Lab lab;

    VlanTrunk(Lab lab) {
        this.lab = lab;
    }

    public Lab lab() {
        return lab;
    }

    /** Host 1, the access port of {@value #ACCESS}. */
    public Host access() {
        return lab.host(1);
    }

    /** Host 2, the trunk carrying {@value #TRUNKED} tagged. */
    public Host trunk() {
        return lab.host(2);
    }

    /** Host 3, the access port of {@value #OTHER}. */
    public Host other() {
        return lab.host(3);
    }

    /** The VLANs as the data plane's configuration lists them (one {@code name= tag= tagged= untagged=} entry each). */
    public String[] vlans() {
        return List.of(
                "name=" + ACCESS + " tag=" + ACCESS_TAG + " untagged=1:1",
                "name=" + TRUNKED + " tag=" + TRUNKED_TAG + " tagged=1:2",
                "name=" + OTHER + " tag=" + OTHER_TAG + " untagged=1:3").toArray(String[]::new);
    }

    /** Closes the lab (the topology made it). */
    @Override
    public void close() {
        lab.close();
    }

    @Override
    public String toString() {
        return "VLAN trunk in " + lab.prefix() + ": 1:1 access " + ACCESS + ", 1:2 trunk " + TRUNKED + ", 1:3 access " + OTHER;
    }
}
