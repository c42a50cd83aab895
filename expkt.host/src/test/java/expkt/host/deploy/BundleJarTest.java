package expkt.host.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the deploy guard takes for a bundle jar, on real files: the good one passes, each broken one is refused with its reason. */
class BundleJarTest {
    @TempDir
    Path dir;

    @Test
    void aBundleJarPasses() throws Exception {
        BundleJar jar = BundleJar.check(bundle(dir.resolve("ok.jar"), "x.y;singleton:=true", "1.2.3"));
        assertEquals("x.y", jar.symbolicName());
        assertEquals("1.2.3", jar.version().toString());
    }

    @Test
    void randomBytesAreNotAJar() throws Exception {
        Path f = dir.resolve("random.jar");
        byte[] b = new byte[20_000];
        new Random(7).nextBytes(b);
        Files.write(f, b);
        BundleJar.Refusal r = assertThrows(BundleJar.Refusal.class, () -> BundleJar.check(f));
        assertTrue(r.getMessage().startsWith("not a jar"), r.getMessage());
    }

    @Test
    void aTruncatedJarIsRefused() throws Exception {
        Path ok = bundle(dir.resolve("ok.jar"), "x.y", "1.0.0");
        byte[] all = Files.readAllBytes(ok);
        Path cut = dir.resolve("cut.jar");
        Files.write(cut, java.util.Arrays.copyOf(all, all.length / 2));
        assertThrows(BundleJar.Refusal.class, () -> BundleJar.check(cut));
    }

    @Test
    void aCorruptEntryIsRefused() throws Exception {
        Path ok = bundle(dir.resolve("ok.jar"), "x.y", "1.0.0");
        byte[] all = Files.readAllBytes(ok);
        // flip bytes inside the stored payload of the last entry (after its local header), keep the central directory
        int at = indexOf(all, "payload-payload".getBytes());
        assertTrue(at > 0);
        all[at + 3] ^= 0x55;
        Path bad = dir.resolve("bad.jar");
        Files.write(bad, all);
        BundleJar.Refusal r = assertThrows(BundleJar.Refusal.class, () -> BundleJar.check(bad));
        assertTrue(r.getMessage().contains("corrupt"), r.getMessage());
    }

    @Test
    void aJarWithoutBundleManifestIsRefused() throws Exception {
        Path plain = dir.resolve("plain.jar");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(plain))) {
            z.putNextEntry(new ZipEntry("a.txt"));
            z.write("hello".getBytes());
            z.closeEntry();
        }
        BundleJar.Refusal r = assertThrows(BundleJar.Refusal.class, () -> BundleJar.check(plain));
        assertTrue(r.getMessage().contains("MANIFEST"), r.getMessage());
        Path noBsn = bundle(dir.resolve("nobsn.jar"), null, "1.0.0");
        r = assertThrows(BundleJar.Refusal.class, () -> BundleJar.check(noBsn));
        assertTrue(r.getMessage().contains("Bundle-SymbolicName"), r.getMessage());
    }

    @Test
    void headersAndRanges() {
        ManifestHeader h = ManifestHeader.parse("a.b;c.d;version=\"[1.2,2)\";resolution:=optional, e;version:Version=3");
        assertEquals(2, h.clauses().size());
        assertEquals(java.util.List.of("a.b", "c.d"), h.clauses().get(0).paths());
        assertEquals("optional", h.clauses().get(0).directives().get("resolution"));
        assertEquals("3", h.clauses().get(1).attributes().get("version"));
        assertEquals("(version>=1.2.0)(!(version>=2.0.0))", VersionFilter.terms("version", "[1.2,2)"));
        assertEquals("(!(version<=1.0.0))(version<=2.0.0)", VersionFilter.terms("version", "(1,2]"));
        assertEquals("(version>=1.0.0)", VersionFilter.terms("version", "1"));
        assertThrows(IllegalArgumentException.class, () -> ManifestHeader.parse("a;x=\"unclosed"));
    }

    static Path bundle(Path f, String bsn, String version) throws IOException {
        Manifest m = new Manifest();
        m.getMainAttributes().putValue("Manifest-Version", "1.0");
        m.getMainAttributes().putValue("Bundle-ManifestVersion", "2");
        if (bsn != null) {
            m.getMainAttributes().putValue("Bundle-SymbolicName", bsn);
        }
        m.getMainAttributes().putValue("Bundle-Version", version);
        try (OutputStream os = Files.newOutputStream(f); JarOutputStream j = new JarOutputStream(os, m)) {
            JarEntry e = new JarEntry("data.txt");
            e.setMethod(ZipEntry.STORED);
            byte[] payload = "payload-payload-payload".getBytes();
            java.util.zip.CRC32 crc = new java.util.zip.CRC32();
            crc.update(payload);
            e.setSize(payload.length);
            e.setCrc(crc.getValue());
            j.putNextEntry(e);
            j.write(payload);
            j.closeEntry();
        }
        return f;
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int k = 0; k < needle.length; k++) {
                if (hay[i + k] != needle[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
