package expkt.provider;

import expkt.api.net.SlotPort;
import expkt.provider.socket.PacketSocketImpl;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The send path remembers the targets it resolved (a VLAN's members, a slot:port list) per data-plane
 * model: a send after the VLAN's membership changed goes to the new members, never to the remembered
 * ones.
 */
class TxTargetsTest extends L2ProviderTestBase {
    static final String SRC = "02:00:00:00:00:cc";

    static int from(List<byte[]> frames) {
        int n = 0;
        for (byte[] f : frames) {
            if (f.length >= 12 && java.util.Arrays.equals(java.util.Arrays.copyOfRange(f, 6, 12), Wire.mac(SRC))) {
                n++;
            }
        }
        return n;
    }

    @Test
    void aVlanSendAfterTheMembershipChangedGoesToTheNewMembers() throws Exception {
        engine(new String[0], new String[] {"name=foo tag=100 untagged=1:1"});
        Wire h1 = wire(1);
        Wire h2 = wire(2);
        PacketSocketImpl s = engine.open(OWNER);
        byte[] f = Wire.frame("ff:ff:ff:ff:ff:ff", SRC, 0x0842, 64);
        s.sendto(f, "foo");
        s.sendto(f, "foo"); // the second send uses the remembered members
        assertEquals(2, from(h1.drain(300)));
        assertEquals(0, from(h2.drain(100)));

        dataPlane.configure(new String[0], new String[] {"name=foo tag=100 untagged=1:2"});
        s.sendto(f, "foo");
        assertEquals(1, from(h2.drain(300)), "the new member got it");
        assertEquals(0, from(h1.drain(100)), "the old member did not");

        // the same for a slot:port list: remembered per model, resolved again after a change
        s.sendto(f, SlotPort.of(1, 1));
        s.sendto(f, SlotPort.of(1, 1));
        assertEquals(2, from(h1.drain(300)));
        s.close();
    }
}
