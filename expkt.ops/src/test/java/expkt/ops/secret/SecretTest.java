package expkt.ops.secret;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretTest {
    @TempDir
    Path dir;

    @Test
    void generatesOnceOwnerOnlyAndReadsItBack() throws IOException {
        Path f = dir.resolve("webconsole.password");
        Secret first = Secret.load(f);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        String pw = first.generated();
        assertTrue(pw.length() >= 32, pw);
        assertEquals(pw, Files.readString(f).strip());
        assertTrue(first.matches(pw));
        assertFalse(first.matches(pw + "x"));
        assertFalse(first.matches(null));

        Secret again = Secret.load(f);
        assertNull(again.generated(), "shown once: a second start does not show it");
        assertTrue(again.matches(pw));
        assertFalse(Secret.load(dir.resolve("other")).matches(pw), "each file its own secret");
    }

    @Test
    void takesAConfiguredOneAndRefusesOneOthersCanRead() throws IOException {
        Path f = dir.resolve("rest.token");
        Files.writeString(f, "my-token\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        Secret s = Secret.load(f);
        assertNull(s.generated());
        assertTrue(s.matches("my-token"));

        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        IOException e = assertThrows(IOException.class, () -> Secret.load(f));
        assertTrue(e.getMessage().contains("rw-r--r--") && e.getMessage().contains("chmod 600"), e.getMessage());

        Files.writeString(f, " \n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        e = assertThrows(IOException.class, () -> Secret.load(f));
        assertTrue(e.getMessage().contains("is empty"), e.getMessage());
    }
}
