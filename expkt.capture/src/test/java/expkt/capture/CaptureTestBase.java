package expkt.capture;

import expkt.api.packet.PacketService;
import expkt.lab.Lab;
import expkt.lab.Topologies;
import expkt.testkit.lab.OpenSocket;
import expkt.testkit.lab.SwitchUnderTest;
import expkt.testkit.lab.Wire;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

import java.util.ArrayList;
import java.util.List;

/**
 * One bridged 3-host lab per test class ({@link Topologies#bridgedHosts(int)}), and per test the
 * test kit's {@link SwitchUnderTest} (the provider's core, outside OSGi) on its switch namespace with
 * the per-bundle {@link PacketService} the capture bundle would get from it.
 */
abstract class CaptureTestBase {
    static final String HOST_MAC = "02:00:00:00:00:01";
    static final String CAPTURE_BUNDLE = "expkt.capture (test)";
    static Lab lab;
    SwitchUnderTest sw;
    PacketService packets;
    final List<AutoCloseable> closeAfter = new ArrayList<>();

    @BeforeAll
    static void startLab() {
        Lab.cleanStale();
        lab = Topologies.bridgedHosts(3);
    }

    @AfterAll
    static void stopLab() {
        if (lab != null) {
            lab.close();
        }
    }

    SwitchUnderTest startSwitch() throws Exception {
        sw = SwitchUnderTest.on(lab).build();
        packets = sw.packets(CAPTURE_BUNDLE);
        return sw;
    }

    /** The capture bundle's open sockets. */
    List<OpenSocket> captureSockets() {
        return sw.sockets(CAPTURE_BUNDLE);
    }

    Wire wire(int host) throws Exception {
        Wire w = Wire.host(lab, host);
        closeAfter.add(w);
        return w;
    }

    /** The nftables ruleset of the switch namespace, in nft's text form. */
    static String nftRuleset() {
        return lab.exec(lab.switchNs(), "nft", "list", "ruleset").check().stdout();
    }

    @AfterEach
    void stopSwitch() throws Exception {
        for (AutoCloseable c : closeAfter) {
            c.close();
        }
        closeAfter.clear();
        if (sw != null) {
            sw.close();
            sw = null;
            packets = null;
        }
    }
}
