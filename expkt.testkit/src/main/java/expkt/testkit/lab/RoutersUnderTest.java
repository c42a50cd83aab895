package expkt.testkit.lab;

import expkt.api.spi.BundleIdentity;
import expkt.api.vr.VrSockets;
import expkt.lab.TwoVrs;
import expkt.vr.internal.SocketOwner;
import expkt.vr.internal.VrExec;
import expkt.vr.internal.VrSocketsImpl;
import expkt.vr.internal.VrTable;
import expkt.vr.internal.VrfSupport;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The real virtual-router sockets of {@code expkt.vr}, outside OSGi, in the namespaces of a
 * {@link TwoVrs}: VR-Mgmt and VR-Control in its {@code mgmt} namespace, VR-Default in {@code dflt},
 * VR-A ({@value TwoVrs#VR_A_ID}) and VR-B ({@value TwoVrs#VR_B_ID}) in {@code vra} / {@code vrb}.
 * Each bundle name gets the {@link VrSockets} that bundle would get from the OSGi service: UDP, TCP
 * and raw IP sockets opened in the named VR's namespace, closed together when the bundle is
 * {@link #release released} or this closes. The default VR of a bundle is VR-Default.
 *
 * <pre>{@code
 * try (TwoVrs vrs = Topologies.twoVrs("10.0.0.2", "10.0.0.3");
 *      RoutersUnderTest routers = RoutersUnderTest.on(vrs)) {
 *     VrSockets sockets = routers.sockets("expkt.protocol.ping");
 *     try (RawIpSocket s = sockets.rawSocket("VR-A", AF_INET, IPPROTO_ICMP)) { ... }
 * }
 * }</pre>
 *
 * <p>Threading: the sockets are as thread-safe as {@code expkt.vr} makes them; {@link #close()} is
 * called once, by the test's thread.
 */
public final class RoutersUnderTest implements AutoCloseable {
    private final TwoVrs vrs;
    private final VrTable table;
    private final VrExec exec = new VrExec();
    private final Map<String, SocketOwner> owners = new LinkedHashMap<>();
    private final Map<String, VrSockets> services = new LinkedHashMap<>();

    private RoutersUnderTest(TwoVrs vrs) {
        this.vrs = vrs;
        table = new VrTable(VrfSupport.detect());
        try {
            List<String> refused = table.setBuiltins(vrs.mgmt(), vrs.mgmt(), vrs.dflt());
            if (!refused.isEmpty()) {
                throw new IllegalStateException("built-in VRs in " + vrs + " refused: " + refused);
            }
            table.add(TwoVrs.VR_A_ID, TwoVrs.VR_A, null, vrs.vra());
            table.add(TwoVrs.VR_B_ID, TwoVrs.VR_B, null, vrs.vrb());
        } catch (RuntimeException e) {
            exec.close();
            throw e;
        }
    }

    /** VR-A and VR-B in the namespaces of {@code vrs}, the built-in VRs in its mgmt and dflt. */
    public static RoutersUnderTest on(TwoVrs vrs) {
        if (vrs == null) {
            throw new IllegalArgumentException("topology is null");
        }
        return new RoutersUnderTest(vrs);
    }

    public TwoVrs topology() {
        return vrs;
    }

    /** The {@link VrSockets} of bundle {@code bundleName}: the same for the same name. */
    public synchronized VrSockets sockets(String bundleName) {
        if (bundleName == null || bundleName.isBlank()) {
            throw new IllegalArgumentException("bundle name is empty");
        }
        return services.computeIfAbsent(bundleName, n -> {
            SocketOwner owner = new SocketOwner(BundleIdentity.outsideOsgi(n));
            owners.put(n, owner);
            table.addOwner(owner);
            return new VrSocketsImpl(table, exec, owner, table::hostDefault);
        });
    }

    /**
     * How many sockets bundle {@code bundleName} has open (those it closed itself do not count): what
     * {@code expkt:vr} lists for it.
     */
    public synchronized int openSockets(String bundleName) {
        SocketOwner owner = owners.get(bundleName);
        return owner == null ? 0 : owner.open().size();
    }

    /** Closes every socket of {@code bundleName}, as when the bundle stops; returns how many were open. */
    public synchronized int release(String bundleName) {
        SocketOwner owner = owners.get(bundleName);
        if (owner == null) {
            throw new IllegalArgumentException("no bundle \"" + bundleName + "\" has used these VRs (known: " + owners.keySet() + ")");
        }
        return owner.closeAll();
    }

    /** Closes every bundle's sockets; the namespaces stay (the topology's owner removes them). */
    @Override
    public synchronized void close() {
        try {
            for (SocketOwner owner : owners.values()) {
                owner.closeAll();
                table.removeOwner(owner);
            }
        } finally {
            exec.close();
        }
    }

    @Override
    public String toString() {
        return "VR sockets on " + vrs;
    }
}
