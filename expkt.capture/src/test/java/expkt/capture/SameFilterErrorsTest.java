package expkt.capture;

import expkt.api.packet.Filter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Issue 14, one filter parser: {@code expkt:capture}'s filter argument goes through the API's
 * key=value parser ({@link Filter.Builder#apply}), so each bad value is refused with exactly the
 * message the API gives for it — the same as a whiteboard handler's {@code expkt.filter.*} property
 * with that value gets (expkt.provider's {@code SameFilterErrorsTest} has the same table). The command
 * checks its filter before it opens anything, so no packet service is needed to see the refusal.
 */
class SameFilterErrorsTest {
    /** key, bad value: the table expkt.provider's SameFilterErrorsTest uses too. */
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

    @TempDir
    Path dir;

    @Test
    void eachBadValueOfTheCaptureFilterGivesTheApisMessage() {
        CaptureCommand command = CaptureCommand.on(null, line -> { });
        Path file = dir.resolve("never.pcap");
        for (String[] kv : BAD) {
            String expected = assertThrows(IllegalArgumentException.class, () -> api(kv[0], kv[1]), kv[0] + "=" + kv[1]).getMessage();
            String spec = "name=same," + kv[0] + "=" + kv[1]
                    + (!kv[0].startsWith("ethertype") ? ",ethertype=0x0842" : kv[0].equals("ethertype_offset") ? ",ethertype=1" : "");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> command.capture(spec, file.toString(), "1", false, null), spec);
            assertEquals(expected, e.getMessage(), spec);
            // the same with spaces between the pairs, and under the command's own name (capture-<n>)
            e = assertThrows(IllegalArgumentException.class, () -> command.capture(spec.replace(',', ' '), file.toString(), "1", false, null));
            assertEquals(expected, e.getMessage(), spec);
        }
        assertFalse(Files.exists(file));
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
