package expkt.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a restarted log printer does not write again: what its predecessor saw, of the same Log Service. */
class LogPrinterPositionTest {
    @TempDir
    Path dir;

    private File position(String content) throws Exception {
        Path p = dir.resolve(LogPrinter.POSITION_FILE);
        Files.writeString(p, content);
        return p.toFile();
    }

    @Test
    void theSameLaunchAndLogServiceSkipWhatThePredecessorSawHolesIncluded() throws Exception {
        // 7 was logged before 8 but delivered after the predecessor stopped: it is not skipped
        assertEquals(Set.of(5L, 6L, 8L, 9L), LogPrinter.seenBefore(position("9f2c-uuid 31 5-6 8-9\n"), "9f2c-uuid 31"));
        assertEquals(Set.of(), LogPrinter.seenBefore(position("9f2c-uuid 31\n"), "9f2c-uuid 31"), "saw nothing");
    }

    @Test
    void anotherLogServiceOrLaunchSkipsNothing() throws Exception {
        assertEquals(Set.of(), LogPrinter.seenBefore(position("9f2c-uuid 31 0-412\n"), "9f2c-uuid 47"), "another Log Service (refreshed)");
        assertEquals(Set.of(), LogPrinter.seenBefore(position("9f2c-uuid 31 0-412\n"), "a001-uuid 31"), "another launch");
        assertEquals(Set.of(), LogPrinter.seenBefore(position("9f2c-uuid 131 0-412\n"), "9f2c-uuid 31"), "a service id that only ends the same");
        assertEquals(Set.of(), LogPrinter.seenBefore(position("9f2c-uuid 3 0-412\n"), "9f2c-uuid 31"), "a service id that only starts the same");
    }

    @Test
    void noFileOrABadOneSkipsNothing() throws Exception {
        assertEquals(Set.of(), LogPrinter.seenBefore(null, "9f2c-uuid 31"));
        assertEquals(Set.of(), LogPrinter.seenBefore(dir.resolve("absent").toFile(), "9f2c-uuid 31"));
        assertEquals(Set.of(), LogPrinter.seenBefore(position("9f2c-uuid 31 twelve\n"), "9f2c-uuid 31"));
        assertEquals(Set.of(), LogPrinter.seenBefore(position("9f2c-uuid 31 9-5\n"), "9f2c-uuid 31"));
        assertEquals(Set.of(), LogPrinter.seenBefore(position(""), "9f2c-uuid 31"));
    }

    @Test
    void seenSequencesRoundTripAsRangesOutOfOrderIncluded() {
        SeenSequences seen = new SeenSequences();
        for (long n : new long[] {10, 11, 13, 12, 15, 3}) {
            seen.add(n);
        }
        assertEquals("3-3 10-13 15-15", seen.ranges());
        assertEquals(Set.of(3L, 10L, 11L, 12L, 13L, 15L), SeenSequences.parse(seen.ranges()));
        assertEquals("", new SeenSequences().ranges());
    }

    @Test
    void seenSequencesKeepTheLatestCapacityNumbers() {
        SeenSequences seen = new SeenSequences();
        for (long n = 0; n < SeenSequences.CAPACITY + 100; n++) {
            seen.add(n);
        }
        assertEquals("100-" + (SeenSequences.CAPACITY + 99), seen.ranges());
    }

    @Test
    void aMalformedRangeIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SeenSequences.parse("1-4 x-9"));
        assertEquals("\"x-9\" is not a range of sequence numbers", e.getMessage());
    }
}
