package expkt.protocol.lldp;

import expkt.api.net.Ipv4Address;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What IEEE 802.1AB makes the receiver discard, each LLDPDU counted under its reason and leaving the
 * table alone; and what a peer's strings become on the way to the table.
 */
class LldpValidationTest {
    static final LldpSettings SETTINGS = new LldpSettings(30, 4, 4, "sw1", "d", Ipv4Address.parse("192.0.2.9"), null, 16);

    static NeighborTable.Change receive(LldpAgentCore core, byte[] frame) {
        return core.receive(MemorySegment.ofArray(frame), 0, frame.length, "1:1", 0);
    }

    /** The frame is discarded, counted once under {@code reason}, and the table is unchanged. */
    static void discarded(String reason, CraftedLldpdu lldpdu) {
        LldpAgentCore core = new LldpAgentCore(SETTINGS);
        assertNull(receive(core, lldpdu.frame()), reason + ": the LLDPDU must be discarded");
        assertEquals(1, core.stats().framesDiscarded(), reason);
        assertEquals(Map.of("LLDP " + reason, 1L), core.stats().discardReasons(), core.lastError());
        assertEquals(0, core.table().size());
        assertTrue(core.formatStats().contains("discarded by reason: LLDP " + reason + "=1"), core.formatStats());
    }

    @Test
    void theValidStartIsAccepted() {
        // the control: what the cases below break is all that makes them discarded
        LldpAgentCore core = new LldpAgentCore(SETTINGS);
        assertEquals(NeighborTable.Change.INSERTED, receive(core, CraftedLldpdu.valid().systemName("peer").end().frame()));
        assertEquals(0, core.stats().framesDiscarded());
        assertEquals("52:54:00:12:34:56", core.table().list().getFirst().chassisId());
        assertEquals(NeighborTable.Change.INSERTED, receive(core, new CraftedLldpdu().chassisMac(new byte[] {2, 0, 0, 0, 0, 9})
                .portName("eth0").ttl(120).frame()), "no End TLV (optional since 802.1AB-2009): the padding ends it");
    }

    @Test
    void aMacChassisIdOfThreeBytes() {
        discarded("chassis ID length", new CraftedLldpdu().chassisMac(new byte[] {0x52, 0x54, 0x00}).portName("eth0").ttl(120).end());
    }

    @Test
    void aMacPortIdOfSevenBytes() {
        discarded("port ID length", new CraftedLldpdu().chassisMac(CraftedLldpdu.PEER_MAC)
                .tlv(2, 3, new byte[] {1, 2, 3, 4, 5, 6, 7}).ttl(120).end());
    }

    @Test
    void theReservedChassisIdSubtype() {
        discarded("chassis ID subtype", new CraftedLldpdu().tlv(1, 0, "x".getBytes(StandardCharsets.US_ASCII)).portName("eth0").ttl(120).end());
    }

    @Test
    void theReservedPortIdSubtype() {
        discarded("port ID subtype", new CraftedLldpdu().chassisMac(CraftedLldpdu.PEER_MAC).tlv(2, 0, new byte[] {'p'}).ttl(120).end());
    }

    @Test
    void aNetworkAddressChassisIdWithoutAnAddress() {
        discarded("chassis ID length", new CraftedLldpdu().tlv(1, 5, new byte[] {1}).portName("eth0").ttl(120).end()); // IPv4, no address
    }

    @Test
    void aTtlTlvOfLengthThreeOrFour() {
        discarded("TTL TLV length", new CraftedLldpdu().chassisMac(CraftedLldpdu.PEER_MAC).portName("eth0").tlv(3, (byte) 0, (byte) 120, (byte) 0).end());
        discarded("TTL TLV length", new CraftedLldpdu().chassisMac(CraftedLldpdu.PEER_MAC).portName("eth0").tlv(3, new byte[4]).end());
    }

    @Test
    void anEndTlvWithALength() {
        discarded("End TLV length", CraftedLldpdu.valid().tlv(0, (byte) 1, (byte) 2));
    }

    @Test
    void aSecondTtlChassisIdOrPortIdTlv() {
        discarded("duplicate TTL TLV", CraftedLldpdu.valid().systemName("a").ttl(5).end());
        discarded("duplicate Chassis ID TLV", CraftedLldpdu.valid().chassisMac(new byte[] {2, 0, 0, 0, 0, 1}).end());
        discarded("duplicate Port ID TLV", CraftedLldpdu.valid().portName("eth1").end());
    }

    @Test
    void reasonsAreCountedSeparatelyAndHandedOver() {
        LldpAgentCore core = new LldpAgentCore(SETTINGS);
        receive(core, CraftedLldpdu.valid().ttl(5).end().frame());
        receive(core, CraftedLldpdu.valid().ttl(5).end().frame());
        receive(core, CraftedLldpdu.valid().tlv(0, (byte) 1).frame());
        assertEquals(Map.of("LLDP duplicate TTL TLV", 2L, "LLDP End TLV length", 1L), core.stats().discardReasons());
        assertEquals(3, core.stats().framesDiscarded());
        LldpAgentCore next = new LldpAgentCore(SETTINGS);
        next.restoreState(core.saveState());
        assertEquals(core.stats().discardReasons(), next.stats().discardReasons());
    }

    @Test
    void peerStringsReachTheTableAsDisplayText() {
        LldpAgentCore core = new LldpAgentCore(SETTINGS);
        byte[] name = "evil\n1:9    fake-chassis  forged-row\u001b[31m\u009b".getBytes(StandardCharsets.UTF_8);
        byte[] withInvalid = java.util.Arrays.copyOf(name, name.length + 2);
        withInvalid[name.length] = (byte) 0xFF;
        withInvalid[name.length + 1] = (byte) 0xC3;
        assertNotNull(receive(core, CraftedLldpdu.valid().systemName(withInvalid).end().frame()));
        assertEquals("evil\\x0a1:9    fake-chassis  forged-row\\x1b[31m\\u009b\\xff\\xc3", core.table().list().getFirst().systemName());
    }
}
