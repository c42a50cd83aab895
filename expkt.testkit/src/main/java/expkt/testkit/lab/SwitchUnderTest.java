package expkt.testkit.lab;

import expkt.api.packet.PacketService;
import expkt.api.spi.BundleIdentity;
import expkt.lab.Lab;
import expkt.lab.VlanTrunk;
import expkt.lab.VrDataPlane;
import expkt.provider.command.L2Tables;
import expkt.provider.core.ProviderLog;
import expkt.provider.core.VrScope;
import expkt.provider.dataplane.DataPlane;
import expkt.provider.socket.L2Engine;
import expkt.provider.socket.OwnedPacketService;
import expkt.provider.socket.PacketSocketImpl;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The real provider on a lab's switch namespace, outside OSGi: the lab's {@code p1..pN} are the
 * ports 1:1..1:N, the VLANs are what the test configures (in the provider's configuration form,
 * {@code "name=blue tag=100 tagged=1:2"}, or a {@link VlanTrunk}'s), and each bundle name gets the
 * per-bundle {@link PacketService} that bundle would get from the OSGi service — its sockets, its
 * filters in BPF and nftables, released when the switch closes. Frames are real: AF_PACKET rings,
 * classic BPF, nftables drop rules in the switch namespace.
 *
 * <pre>{@code
 * try (Lab lab = Lab.builder().ports(2).build();
 *      SwitchUnderTest sw = SwitchUnderTest.on(lab).build()) {
 *     PacketSocket rx = sw.packets("expkt.protocol.hello").open();
 *     rx.setupFilter(Filter.named("hello").ethertype(0x88B5).build());
 *     ... a Wire on host 1 sends, rx.receive(from) gets it on 1:1 ...
 * }
 * }</pre>
 *
 * <p>Not covered: whiteboard handlers and their lanes (a test calls its handler's core from its own
 * receive loop or a {@code PacketCallback}); Pax Exam tests in {@code itest/} run the whole host.
 *
 * <p>Threading: sockets are used as the provider allows (any thread); {@link #close()} is called once,
 * by the test's thread, after its receive threads stopped.
 */
public final class SwitchUnderTest implements AutoCloseable {
    /** The VR the switch's ports are in, as the host's default. */
    public static final String VR = "VR-Default";
    public static final int VR_ID = 2;

    private final Lab lab;
    private final DataPlane dataPlane;
    private final L2Engine engine;
    private final Map<String, OwnedPacketService> services = new LinkedHashMap<>();
    private long nextBundleId = -1;

    private SwitchUnderTest(Lab lab, String[] ports, String[] vlans, VrDataPlane vrs) throws IOException {
        this.lab = lab;
        dataPlane = new DataPlane(lab.switchNs(), VR, VR_ID);
        try {
            if (vrs != null) {
                dataPlane.vrLocator(name -> {
                    if (name.equalsIgnoreCase(VrDataPlane.VR_A)) {
                        return new DataPlane.VrLocation(VrDataPlane.VR_A, VrDataPlane.VR_A_ID, vrs.vra());
                    }
                    if (name.equalsIgnoreCase(VrDataPlane.VR_B)) {
                        return new DataPlane.VrLocation(VrDataPlane.VR_B, VrDataPlane.VR_B_ID, vrs.vrb());
                    }
                    throw new IllegalArgumentException("unknown VR \"" + name + "\" (known: " + VR + ", " + VrDataPlane.VR_A + ", "
                            + VrDataPlane.VR_B + ")");
                });
            }
            dataPlane.configure(ports, vlans);
            engine = new L2Engine(dataPlane, vrs == null ? VrScope.single(VR, VR_ID) : threeVrs(), L2Engine.RingConfig.DEFAULT,
                    ProviderLog.system("expkt.testkit"));
        } catch (IOException | RuntimeException e) {
            dataPlane.close();
            throw e;
        }
    }

    /** A switch on {@code lab}'s switch namespace: every port, no VLAN unless {@link Builder#vlans} says so. */
    public static Builder on(Lab lab) {
        if (lab == null) {
            throw new IllegalArgumentException("lab is null");
        }
        return new Builder(lab);
    }

    /**
     * A switch whose ports are in three VRs ({@link expkt.lab.Topologies#vrDataPlane()}): the lab's
     * switch ports in VR-Default (1:1, 1:2), VR-A's namespace's in VR-A (2:1, 2:2), VR-B's in VR-B
     * (3:1, 3:2), as the VR registry and the port entries {@code 2:1=p1 vr=VR-A} would place them.
     * Filters and {@code SO_VRID} may name the three VRs.
     */
    public static SwitchUnderTest on(VrDataPlane vrs) throws IOException {
        return new SwitchUnderTest(vrs.lab(), vrs.portEntries(), new String[0], vrs);
    }

    private static VrScope threeVrs() {
        return new VrScope() {
            @Override
            public Vr byName(String name) {
                if (VR.equalsIgnoreCase(name)) {
                    return new Vr(VR_ID, VR, true);
                }
                if (VrDataPlane.VR_A.equalsIgnoreCase(name)) {
                    return new Vr(VrDataPlane.VR_A_ID, VrDataPlane.VR_A, true);
                }
                if (VrDataPlane.VR_B.equalsIgnoreCase(name)) {
                    return new Vr(VrDataPlane.VR_B_ID, VrDataPlane.VR_B, true);
                }
                throw new IllegalArgumentException("unknown VR \"" + name + "\" (known: " + VR + ", " + VrDataPlane.VR_A + ", "
                        + VrDataPlane.VR_B + ")");
            }

            @Override
            public Vr byId(int id) {
                return switch (id) {
                    case VR_ID -> byName(VR);
                    case VrDataPlane.VR_A_ID -> byName(VrDataPlane.VR_A);
                    case VrDataPlane.VR_B_ID -> byName(VrDataPlane.VR_B);
                    default -> throw new IllegalArgumentException("unknown VR id " + id + " (known: 2, 10, 11)");
                };
            }
        };
    }

    /** A switch on the trunk's lab with the trunk's VLANs. */
    public static SwitchUnderTest on(VlanTrunk trunk) throws IOException {
        return on(trunk.lab()).vlans(trunk.vlans()).build();
    }

    /** What the data plane's configuration ({@code expkt.dataplane}) would say. */
    public static final class Builder {
        private final Lab lab;
        private String[] ports = new String[0];
        private String[] vlans = new String[0];

        private Builder(Lab lab) {
            this.lab = lab;
        }

        /**
         * The port list ({@code "1:1=p1"} entries; empty, the default: every interface of the switch
         * namespace, numbered in ifindex order).
         */
        public Builder ports(String... ports) {
            this.ports = ports.clone();
            return this;
        }

        /** The VLANs, one {@code "name=.. tag=.. tagged=.. untagged=.."} entry each. */
        public Builder vlans(String... vlans) {
            this.vlans = vlans.clone();
            return this;
        }

        /**
         * Starts the provider's core on the lab's switch namespace.
         *
         * @throws IOException or {@link IllegalArgumentException} naming the bad entry, as the provider
         *     refuses a configuration
         */
        public SwitchUnderTest build() throws IOException {
            return new SwitchUnderTest(lab, ports, vlans, null);
        }
    }

    public Lab lab() {
        return lab;
    }

    /**
     * The {@link PacketService} of bundle {@code bundleName}: the same one for the same name, a separate
     * owner (its own sockets and filters, as two bundles) for another.
     */
    public synchronized PacketService packets(String bundleName) {
        if (bundleName == null || bundleName.isBlank()) {
            throw new IllegalArgumentException("bundle name is empty");
        }
        return services.computeIfAbsent(bundleName, n -> new OwnedPacketService(engine, BundleIdentity.of(nextBundleId--, n, "")));
    }

    /**
     * Closes every socket of bundle {@code bundleName}, as the provider does when the bundle stops;
     * returns how many were still open. Its {@link #packets(String)} then opens no more.
     */
    public synchronized int release(String bundleName) {
        OwnedPacketService s = services.get(bundleName);
        if (s == null) {
            throw new IllegalArgumentException("no bundle \"" + bundleName + "\" has used this switch (known: " + services.keySet() + ")");
        }
        return s.release();
    }

    /** Every L2 socket open on the switch, by id. */
    public List<OpenSocket> sockets() {
        List<OpenSocket> out = new ArrayList<>();
        for (PacketSocketImpl s : engine.sockets()) {
            out.add(new OpenSocket(s.id(), s.owner().symbolicName(), s.filters()));
        }
        return out;
    }

    /** The sockets of bundle {@code bundleName}. */
    public List<OpenSocket> sockets(String bundleName) {
        return sockets().stream().filter(s -> s.owner().equals(bundleName)).toList();
    }

    /**
     * What {@code expkt:acl} prints for this switch: every filter with its state, owner, match,
     * action and the packets/bytes its nftables rule counted.
     */
    public String acl() {
        try {
            return L2Tables.acl(engine);
        } catch (IOException e) {
            throw new UncheckedIOException("nftables counters of " + lab.switchNs(), e);
        }
    }

    /** The switch namespace's nftables ruleset, in {@code nft list ruleset}'s text form. */
    public String nftRuleset() {
        return lab.exec(lab.switchNs(), "nft", "list", "ruleset").check().stdout();
    }

    /** Releases every bundle's sockets, then stops the provider's core; the lab stays (its owner closes it). */
    @Override
    public synchronized void close() {
        try {
            for (OwnedPacketService s : services.values()) {
                s.release();
            }
        } finally {
            try {
                engine.close();
            } finally {
                dataPlane.close();
            }
        }
    }

    @Override
    public String toString() {
        return "switch under test on " + lab.switchNs();
    }
}
