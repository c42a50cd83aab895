package expkt.provider;

import expkt.api.handler.PacketHandler;
import expkt.api.packet.Direction;
import expkt.api.packet.Filter;
import expkt.api.packet.FilterAction;
import expkt.api.packet.RxMode;
import expkt.provider.whiteboard.HandlerProperties;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 14: what {@code @HandlerFilter} writes now that it takes enums (DS turns an enum member into
 * the String of its name; a registration by hand may give the enum itself), and its receive mode
 * ({@code rx_mode} → {@code expkt.filter.rx.mode}, which {@code expkt.rx.mode} overrides).
 */
class HandlerFilterPropertiesTest {

    /** The properties bnd generates for {@code @HandlerFilter(name="lldp", ..., action=UP_AND_DROP, rx_mode=LATENCY)}. */
    static final Map<String, Object> LLDP = Map.of(
            PacketHandler.FILTER_NAME, "lldp", PacketHandler.FILTER_DSTMAC, "01:80:C2:00:00:0E",
            PacketHandler.FILTER_ETHERTYPE, 0x88CC, PacketHandler.FILTER_ACTION, "UP_AND_DROP",
            PacketHandler.FILTER_DIRECTION, "INGRESS", PacketHandler.FILTER_VR, "",
            PacketHandler.FILTER_ETHERTYPE_OFFSET, -1, PacketHandler.FILTER_RX_MODE, "LATENCY");

    @Test
    void theAnnotationsPropertiesGiveTheFilterAndTheMode() {
        Filter f = HandlerProperties.filter(LLDP);
        assertEquals(Filter.parse("name=lldp dstmac=01:80:C2:00:00:0E ethertype=0x88cc action=UP_AND_DROP"), f);
        assertEquals(RxMode.LATENCY, HandlerProperties.rxMode(LLDP));
        // enum objects, as a registration by hand may give them
        assertEquals(Direction.BOTH, HandlerProperties.filter(Map.of(PacketHandler.FILTER_NAME, "e", PacketHandler.FILTER_ETHERTYPE, 1,
                PacketHandler.FILTER_DIRECTION, Direction.BOTH, PacketHandler.FILTER_ACTION, FilterAction.UP_AND_DROP)).direction());
        assertEquals(RxMode.LATENCY, HandlerProperties.rxMode(Map.of(PacketHandler.FILTER_RX_MODE, RxMode.LATENCY)));
    }

    @Test
    void thePlainRxModePropertyWinsOverTheAnnotations() {
        Map<String, Object> both = new java.util.HashMap<>(LLDP);
        both.put(RxMode.PROPERTY, "throughput");
        assertEquals(RxMode.THROUGHPUT, HandlerProperties.rxMode(both));
        both.put(PacketHandler.FILTER_RX_MODE, "THROUGHPUT");
        both.put(RxMode.PROPERTY, "latency");
        assertEquals(RxMode.LATENCY, HandlerProperties.rxMode(both));
        assertEquals(RxMode.THROUGHPUT, HandlerProperties.rxMode(Map.of(PacketHandler.FILTER_NAME, "x")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HandlerProperties.rxMode(Map.of(PacketHandler.FILTER_RX_MODE, "realtime")));
        assertTrue(e.getMessage().contains(PacketHandler.FILTER_RX_MODE) && e.getMessage().contains("realtime"), e.getMessage());
    }

    @Test
    void anUnknownFilterPropertyIsRefusedNotIgnored() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HandlerProperties.filter(
                Map.of(PacketHandler.FILTER_NAME, "t", PacketHandler.FILTER_ETHERTYPE, 1, "expkt.filter.ethertyp", 2)));
        assertTrue(e.getMessage().contains("\"ethertyp\" is unknown"), e.getMessage());
    }
}
