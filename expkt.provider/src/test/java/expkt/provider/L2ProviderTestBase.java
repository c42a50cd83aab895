package expkt.provider;

import expkt.api.spi.BundleIdentity;
import expkt.lab.Lab;
import expkt.provider.dataplane.DataPlane;
import expkt.provider.socket.L2Engine;
import expkt.provider.core.ProviderLog;
import expkt.provider.core.VrScope;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

import java.util.ArrayList;
import java.util.List;

/**
 * One bridged 3-port lab per test class, and a fresh provider core (data plane + engine) per test,
 * built directly (outside OSGi) on the lab's switch namespace.
 */
abstract class L2ProviderTestBase {
    static final String HOST_MAC = "02:00:00:00:00:01";
    static final BundleIdentity OWNER = BundleIdentity.outsideOsgi("test");
    static Lab lab;
    DataPlane dataPlane;
    L2Engine engine;
    final List<AutoCloseable> closeAfter = new ArrayList<>();

    @BeforeAll
    static void startLab() {
        Lab.cleanStale();
        lab = Lab.builder().ports(3).bridge(true).build();
    }

    @AfterAll
    static void stopLab() {
        if (lab != null) {
            lab.close();
        }
    }

    L2Engine engine() throws Exception {
        return engine(new String[0], new String[0]);
    }

    L2Engine engine(String[] ports, String[] vlans) throws Exception {
        return engine(ports, vlans, L2Engine.RingConfig.DEFAULT);
    }

    /** An engine whose sockets get rings of {@code rings}' geometry. */
    L2Engine engine(String[] ports, String[] vlans, L2Engine.RingConfig rings) throws Exception {
        dataPlane = new DataPlane(lab.switchNs(), "VR-Default", 2);
        dataPlane.configure(ports, vlans);
        engine = new L2Engine(dataPlane, VrScope.single("VR-Default", 2), rings, ProviderLog.system("expkt.provider.test"));
        return engine;
    }

    Wire wire(int host) throws Exception {
        Wire w = Wire.host(lab, host);
        closeAfter.add(w);
        return w;
    }

    /** The nftables ruleset of the switch namespace, in nft's text form. */
    /** A socket of {@link #OWNER}, non-blocking (as a callback's socket is), with one filter {@code name} on {@code ethertype}. */
    expkt.provider.socket.PacketSocketImpl nonBlocking(String name, int ethertype) throws Exception {
        expkt.provider.socket.PacketSocketImpl s = engine.open(OWNER);
        s.setupFilter(expkt.api.packet.Filter.named(name).ethertype(ethertype).build());
        s.setBlocking(false);
        return s;
    }

    /** {@link #nonBlocking} with a callback that reads every frame and counts it in {@code count}. */
    expkt.provider.socket.PacketSocketImpl counting(String name, int ethertype, java.util.concurrent.atomic.AtomicInteger count)
            throws Exception {
        expkt.provider.socket.PacketSocketImpl s = nonBlocking(name, ethertype);
        s.setCallback(sock -> {
            while (sock.receive(null) != null) {
                count.incrementAndGet();
            }
        });
        return s;
    }

    /** The packets the kernel rule of filter {@code name} counted, or null while it has none (for a wait on a condition). */
    long[] counted(String name) {
        try {
            return engine.counters().get(name);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("reading the rule counters", e);
        }
    }

    static String nftRuleset() {
        return lab.exec(lab.switchNs(), "nft", "list", "ruleset").check().stdout();
    }

    @AfterEach
    void stopEngine() throws Exception {
        for (AutoCloseable c : closeAfter) {
            c.close();
        }
        closeAfter.clear();
        if (engine != null) {
            engine.close();
            engine = null;
        }
        if (dataPlane != null) {
            dataPlane.close();
            dataPlane = null;
        }
    }
}
