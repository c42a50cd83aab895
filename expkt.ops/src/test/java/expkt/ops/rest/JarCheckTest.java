package expkt.ops.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.junit.jupiter.api.Test;

class JarCheckTest {
    static byte[] jar(String... headers) throws IOException {
        Manifest m = new Manifest();
        m.getMainAttributes().putValue("Manifest-Version", "1.0");
        for (int i = 0; i < headers.length; i += 2) {
            m.getMainAttributes().putValue(headers[i], headers[i + 1]);
        }
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (JarOutputStream out = new JarOutputStream(b, m)) {
            out.putNextEntry(new JarEntry("a/B.class"));
            out.write(new byte[5000]);
            out.closeEntry();
        }
        return b.toByteArray();
    }

    @Test
    void aBundleJarSaysWhatItIs() throws Exception {
        JarCheck c = JarCheck.of(jar("Bundle-ManifestVersion", "2", "Bundle-SymbolicName", "x.y;singleton:=true", "Bundle-Version", "2.1.0"));
        assertEquals("x.y", c.symbolicName());
        assertEquals("2.1.0", c.version().toString());
    }

    @Test
    void everythingElseIsRefusedWithTheReason() throws Exception {
        assertEquals(400, refused(new byte[0]).status);
        assertTrue(refused(new byte[0]).getMessage().contains("no body"));
        assertTrue(refused("hello".getBytes()).getMessage().contains("not"));
        assertTrue(refused(jar()).getMessage().contains("Bundle-ManifestVersion"));
        assertTrue(refused(jar("Bundle-ManifestVersion", "2")).getMessage().contains("Bundle-SymbolicName"));
        assertTrue(refused(jar("Bundle-ManifestVersion", "2", "Bundle-SymbolicName", "x", "Bundle-Version", "1.x.y.z")).getMessage().contains("not a version"));
        byte[] whole = jar("Bundle-ManifestVersion", "2", "Bundle-SymbolicName", "x");
        ApiException cut = refused(Arrays.copyOf(whole, whole.length / 2));
        assertEquals(400, cut.status);
        assertTrue(cut.getMessage().startsWith("not a jar"), cut.getMessage());
    }

    static ApiException refused(byte[] b) {
        return assertThrows(ApiException.class, () -> JarCheck.of(b));
    }
}
