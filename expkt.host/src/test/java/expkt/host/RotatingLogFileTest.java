package expkt.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The log file is rotated at its bound, keeps N old files, loses no line before the oldest, splits no record. */
class RotatingLogFileTest {
    @TempDir
    Path dir;

    @Test
    void rotatesAtTheBoundAndKeepsCountFiles() throws IOException {
        Path log = dir.resolve("expkt.log");
        String line = "x".repeat(99) + "\n"; // 100 bytes
        try (RotatingLogFile f = new RotatingLogFile(log, 4096, 3)) {
            for (int i = 0; i < 40; i++) {
                f.write(line);
            }
            assertEquals(4000, Files.size(log), "40 lines fit 4096 bytes: no rotation yet");
            assertFalse(Files.exists(f.rotated(1)));
            f.write(line);
            assertEquals(4000, Files.size(f.rotated(1)), "the 41st line would pass the bound: rotated before it");
            assertEquals(100, Files.size(log));
            for (int i = 0; i < 40 * 10; i++) {
                f.write(String.format("%05d%s%n", i, "y".repeat(94)));
            }
        }
        try (var files = Files.list(dir)) {
            assertEquals(List.of("expkt.log", "expkt.log.1", "expkt.log.2", "expkt.log.3"), files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        List<String> all = new ArrayList<>();
        for (Path p : List.of(dir.resolve("expkt.log.3"), dir.resolve("expkt.log.2"), dir.resolve("expkt.log.1"), log)) {
            assertTrue(Files.size(p) <= 4096, p + " is " + Files.size(p) + " bytes");
            all.addAll(Files.readAllLines(p));
        }
        List<String> numbered = all.stream().filter(l -> !l.startsWith("x")).toList();
        int first = Integer.parseInt(numbered.getFirst().substring(0, 5));
        for (int i = 0; i < numbered.size(); i++) {
            assertEquals(first + i, Integer.parseInt(numbered.get(i).substring(0, 5)), "lines in order, none lost across rotations");
        }
        assertEquals(399, first + numbered.size() - 1);
    }

    @Test
    void aRecordIsNeverSplitAndAnExistingFileCounts() throws IOException {
        Path log = dir.resolve("a.log");
        Files.writeString(log, "z".repeat(4000) + "\n");
        try (RotatingLogFile f = new RotatingLogFile(log, 4096, 1)) {
            String record = "line\n" + "\tat trace\n".repeat(20); // 205 bytes: does not fit the 95 left
            f.write(record);
            assertEquals(record, Files.readString(log));
            assertEquals(4001, Files.size(f.rotated(1)));
            String big = "b".repeat(5000) + "\n";
            f.write(big);
            assertEquals(big, Files.readString(log), "a record larger than the bound gets a file of its own");
            assertEquals(record, Files.readString(f.rotated(1)), "keep 1: the older file went");
        }
    }

    @Test
    void badBoundsAreNamed() {
        var e = assertThrows(IllegalArgumentException.class, () -> LogPrinter.bytes(LogPrinter.FILE_SIZE, "10 MB"));
        assertTrue(e.getMessage().contains("expkt.log.file.size=\"10 MB\""), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LogPrinter.bytes(LogPrinter.FILE_SIZE, "100"));
        assertTrue(e.getMessage().contains("below the minimum of 4096"), e.getMessage());
        assertEquals(10L << 20, LogPrinter.bytes(LogPrinter.FILE_SIZE, "10m"));
        assertEquals(8192, LogPrinter.bytes(LogPrinter.FILE_SIZE, " 8K "));
        assertThrows(IllegalArgumentException.class, () -> LogPrinter.bytes(LogPrinter.FILE_SIZE, "99999999999g"));
        e = assertThrows(IllegalArgumentException.class, () -> LogPrinter.count(LogPrinter.FILE_COUNT, "0"));
        assertTrue(e.getMessage().contains("expkt.log.file.count=\"0\""), e.getMessage());
        assertEquals(5, LogPrinter.count(LogPrinter.FILE_COUNT, "5"));
        assertThrows(IllegalArgumentException.class, () -> new RotatingLogFile(dir.resolve("c.log"), 4096, 101));
    }
}
