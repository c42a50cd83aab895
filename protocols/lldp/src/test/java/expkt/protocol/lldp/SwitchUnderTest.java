package expkt.protocol.lldp;

import expkt.api.packet.PacketService;
import expkt.lab.Lab;
import expkt.provider.dataplane.DataPlane;
import expkt.provider.socket.L2Engine;
import expkt.provider.socket.OwnedPacketService;
import expkt.provider.core.Owner;
import expkt.provider.core.ProviderLog;
import expkt.provider.core.VrScope;

/**
 * The provider's core (outside OSGi) on a lab's switch namespace, and the per-bundle
 * {@link PacketService} a protocol bundle would get from it.
 */
final class SwitchUnderTest implements AutoCloseable {
    final DataPlane dataPlane;
    final L2Engine engine;
    final OwnedPacketService packets;

    SwitchUnderTest(Lab lab, String[] ports, String[] vlans) throws Exception {
        dataPlane = new DataPlane(lab.switchNs(), "VR-Default", 2);
        try {
            dataPlane.configure(ports, vlans);
            engine = new L2Engine(dataPlane, VrScope.single("VR-Default", 2), L2Engine.RingConfig.DEFAULT,
                    ProviderLog.system("expkt.protocol.test"));
        } catch (Exception e) {
            dataPlane.close();
            throw e;
        }
        packets = new OwnedPacketService(engine, new Owner(-1, "expkt.protocol.lldp"));
    }

    @Override
    public void close() {
        packets.release();
        engine.close();
        dataPlane.close();
    }
}
