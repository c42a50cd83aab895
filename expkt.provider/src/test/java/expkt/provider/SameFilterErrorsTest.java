package expkt.provider;

import expkt.api.handler.PacketHandler;
import expkt.api.packet.Filter;
import expkt.provider.whiteboard.HandlerProperties;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Issue 14, one filter parser: a whiteboard handler's {@code expkt.filter.*} properties go through the
 * API's key=value parser ({@link Filter.Builder#set}), so each bad value is refused with exactly the
 * message the API gives for it — the same as {@code expkt:capture} gives for the same value
 * (expkt.capture's {@code SameFilterErrorsTest} has the same table).
 */
class SameFilterErrorsTest {
    /** key, bad value: the table expkt.capture's SameFilterErrorsTest uses too. */
    static final List<String[]> BAD = List.of(
            new String[] {"ethertype", "0xZZ"},
            new String[] {"ethertype", "wol"},
            new String[] {"ethertype", "0x10000"},
            new String[] {"ethertype", "0x100000000"},
            new String[] {"ethertype", "\u0662\u0660\u0665\u0664"},
            new String[] {"ethertype", "+2054"},
            new String[] {"dstmac", "00:zz:2b:00:00:00"},
            new String[] {"action", "drop"},
            new String[] {"direction", "SIDEWAYS"},
            new String[] {"ethertype_offset", "24"},
            new String[] {"ethertype_offset", "9000"},
            new String[] {"ethertype_offset", "0x"},
            new String[] {"color", "red"});

    @Test
    void eachBadPropertyGivesTheApisMessage() {
        for (String[] kv : BAD) {
            String expected = assertThrows(IllegalArgumentException.class, () -> api(kv[0], kv[1]), kv[0] + "=" + kv[1]).getMessage();
            Map<String, Object> props = new HashMap<>();
            props.put(PacketHandler.FILTER_NAME, "same");
            if (!kv[0].startsWith("ethertype")) {
                props.put(PacketHandler.FILTER_ETHERTYPE, 0x0842);
            } else if (kv[0].equals("ethertype_offset")) {
                props.put(PacketHandler.FILTER_ETHERTYPE, 1);
            }
            props.put("expkt.filter." + kv[0].replace('_', '.'), kv[1]);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HandlerProperties.filter(props), kv[0] + "=" + kv[1]);
            assertEquals(expected, e.getMessage(), kv[0] + "=" + kv[1]);
            assertEquals(true, e.getMessage().contains(kv[1].strip()) || e.getMessage().contains(kv[0]), e.getMessage());
        }
    }

    /** What the API says about {@code key=value} in a filter named "same". */
    static Filter api(String key, String value) {
        Filter.Builder b = Filter.named("same");
        if (!key.startsWith("ethertype")) {
            b.ethertype(0x0842);
        } else if (key.equals("ethertype_offset")) {
            b.ethertype(1);
        }
        return b.set(key, value).build();
    }
}
