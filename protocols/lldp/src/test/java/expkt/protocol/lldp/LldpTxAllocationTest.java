package expkt.protocol.lldp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import expkt.api.net.Ipv4Address;
import expkt.api.net.MacAddress;
import expkt.api.net.SlotPort;
import expkt.api.packet.Port;
import expkt.codec.FrameBuilder;
import expkt.codec.PacketDecoder;
import expkt.codec.lldp.Lldp;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;

/**
 * Writing our LLDPDUs allocates nothing (issue 14): the agent writes one per port every transmit
 * interval, every TLV of it in place. Measured with the JVM's per-thread allocation counter
 * ({@code com.sun.management.ThreadMXBean.getThreadAllocatedBytes}) over 100,000 LLDPDUs after a
 * warm-up that lets the JIT compile the path: a round must count exactly 0 bytes. A measurement,
 * not a timing: the load of the machine cannot change it. Each frame is first checked against the
 * decoder, so the path measured is one that writes every TLV.
 */
class LldpTxAllocationTest {
    private static final int WARM_UP = 200_000;
    private static final int MEASURED = 100_000;

    /**
     * Bytes allocated by the cleanest of up to 5 rounds of {@link #MEASURED} writes (after the
     * warm-up): a one-off of the runtime (the measuring loop itself being compiled) can show in one
     * round, but an allocation per write would show in every round, as at least 16 bytes times
     * 100,000. Every round's figure is printed.
     */
    private static long allocatedBy(String what, IntSupplier write) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
        long sink = 0;
        for (int i = 0; i < WARM_UP; i++) {
            sink += write.getAsInt();
        }
        long tid = Thread.currentThread().threadId();
        long best = Long.MAX_VALUE;
        StringBuilder rounds = new StringBuilder();
        for (int round = 0; round < 5 && best > 0; round++) {
            long before = threads.getThreadAllocatedBytes(tid);
            for (int i = 0; i < MEASURED; i++) {
                sink += write.getAsInt();
            }
            long allocated = threads.getThreadAllocatedBytes(tid) - before;
            best = Math.min(best, allocated);
            rounds.append(rounds.isEmpty() ? "" : ", ").append(allocated);
        }
        assertTrue(sink > 0);
        System.out.println(what + ": bytes allocated per round of " + MEASURED + " LLDPDUs: " + rounds);
        return best;
    }

    private static final MacAddress CHASSIS = MacAddress.parse("02:00:00:00:00:11");
    private static final MacAddress PORT_MAC = MacAddress.parse("02:00:00:00:00:12");

    /** Every TLV our agent sends: the codec's TLV writers as LldpduCodec drives them. */
    @Test
    void theCodecsLldpduWritingAllocatesNothing() {
        byte[] buf = new byte[LldpduCodec.MAX_FRAME];
        FrameBuilder b = new FrameBuilder(buf);
        LldpduCodec.LocalPort port = new LldpduCodec.LocalPort(CHASSIS, "1:2", "uplink — to core", PORT_MAC);
        LldpduCodec.LocalSystem system = new LldpduCodec.LocalSystem("switch-1", "expkt on Linux", Lldp.CAPABILITY_BRIDGE
                | Lldp.CAPABILITY_ROUTER, Lldp.CAPABILITY_BRIDGE, Ipv4Address.parse("192.0.2.7"));
        int len = LldpduCodec.build(b, port, system, 120);
        Lldp l = new PacketDecoder().decode(Arrays.copyOf(buf, len)).lldp();
        assertEquals("1:2", l.portIdString());
        assertEquals("uplink — to core", l.portDescription());
        assertEquals("switch-1", l.systemName());
        assertEquals("expkt on Linux", l.systemDescription());
        assertEquals(Ipv4Address.parse("192.0.2.7").toInt(), l.managementAddressIpv4Bits(l.managementAddressTlv()));
        long allocated = allocatedBy("LldpduCodec.build", () -> LldpduCodec.build(b, port, system, 120));
        assertEquals(0, allocated, "bytes allocated writing " + MEASURED + " LLDPDUs");
    }

    /** The agent's own send path: the LLDPDU for a port, from its settings, into the frame it hands the socket. */
    @Test
    void theAgentsLldpduForAPortAllocatesNothing() {
        LldpSettings settings = new LldpSettings(30, 4, 0, "switch-1", "expkt on Linux", Ipv4Address.parse("192.0.2.7"), null, 100);
        LldpAgentCore core = new LldpAgentCore(settings);
        Port port = Port.builder().slotPort(SlotPort.parse("1:2")).ifName("swp2").ifIndex(7).mac(PORT_MAC).mtu(1500).vr("VR-Default").build();
        MacAddress chassis = core.chassisMac(List.of(port));
        int len = core.writeLldpdu(port, chassis, 120);
        Lldp l = new PacketDecoder().decode(Arrays.copyOf(core.txFrame(), len)).lldp();
        assertEquals("1:2", l.portIdString());
        assertEquals("swp2", l.portDescription());
        assertEquals("switch-1", l.systemName());
        assertEquals(120, l.ttl());
        int shutdown = core.writeLldpdu(port, chassis, 0);
        assertEquals(60, shutdown, "a shutdown LLDPDU (mandatory TLVs only) is padded to the Ethernet minimum");
        assertEquals(0, new PacketDecoder().decode(Arrays.copyOf(core.txFrame(), shutdown)).lldp().ttl());
        // the agent's LLDPDUs and shutdown LLDPDUs (padded), alternately
        int[] ttl = {120, 0};
        int[] n = {0};
        long allocated = allocatedBy("LldpAgentCore.writeLldpdu", () -> core.writeLldpdu(port, chassis, ttl[n[0]++ & 1]));
        assertEquals(0, allocated, "bytes allocated writing " + MEASURED + " LLDPDUs for one port");
    }
}
