package expkt.host;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where a restarted log printer resumes: only after the entries its predecessor saw, of the same Log Service. */
class LogPrinterPositionTest {
    @TempDir
    Path dir;

    private File position(String content) throws Exception {
        Path p = dir.resolve(LogPrinter.POSITION_FILE);
        Files.writeString(p, content);
        return p.toFile();
    }

    @Test
    void theSameLaunchAndLogServiceResumeAfterTheSavedSequence() throws Exception {
        assertEquals(412, LogPrinter.printedBefore(position("9f2c-uuid 31 412\n"), "9f2c-uuid 31"));
    }

    @Test
    void anotherLogServiceOrLaunchStartsFromTheBeginningOfItsBacklog() throws Exception {
        assertEquals(-1, LogPrinter.printedBefore(position("9f2c-uuid 31 412\n"), "9f2c-uuid 47"), "another Log Service (refreshed)");
        assertEquals(-1, LogPrinter.printedBefore(position("9f2c-uuid 31 412\n"), "a001-uuid 31"), "another launch");
        assertEquals(-1, LogPrinter.printedBefore(position("9f2c-uuid 131 412\n"), "9f2c-uuid 31"), "a service id that only ends the same");
    }

    @Test
    void noFileOrABadOneStartsFromTheBeginning() throws Exception {
        assertEquals(-1, LogPrinter.printedBefore(null, "9f2c-uuid 31"));
        assertEquals(-1, LogPrinter.printedBefore(dir.resolve("absent").toFile(), "9f2c-uuid 31"));
        assertEquals(-1, LogPrinter.printedBefore(position("9f2c-uuid 31 twelve\n"), "9f2c-uuid 31"));
        assertEquals(-1, LogPrinter.printedBefore(position(""), "9f2c-uuid 31"));
    }
}
