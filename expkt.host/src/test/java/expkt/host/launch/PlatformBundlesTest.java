package expkt.host.launch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Properties;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlatformBundlesTest {
    @TempDir
    Path tmp;

    @Test
    void theLaunchersBundlesAreExtractedBesideTheStorageAndTheLauncherPointedAtTheFiles() throws Exception {
        Path hostJar = hostJar("launch.embedded=true\nlaunch.bundles=jar/a-1.jar,jar/b-2.jar\n");
        Path run = Files.createDirectories(tmp.resolve("run"));
        Path platform = Files.createDirectories(run.resolve("platform"));
        Files.writeString(platform.resolve("stale-0.jar"), "left by an older host");
        Properties sys = new Properties();
        sys.setProperty("org.osgi.framework.storage", run.resolve("felix-cache").toString());
        try (URLClassLoader cl = new URLClassLoader(new URL[] {hostJar.toUri().toURL()}, null)) {
            assertEquals(platform, PlatformBundles.prepare(sys, cl));
        }
        assertEquals(platform + "/a-1.jar," + platform + "/b-2.jar", sys.getProperty("launch.bundles"));
        assertEquals("false", sys.getProperty("launch.embedded"));
        assertEquals("true", sys.getProperty("launch.noreferences"));
        assertEquals(platform.toString(), sys.getProperty(PlatformBundles.DIR_PROPERTY));
        assertArrayEquals("bundle a".getBytes(StandardCharsets.UTF_8), Files.readAllBytes(platform.resolve("a-1.jar")));
        assertArrayEquals("bundle b".getBytes(StandardCharsets.UTF_8), Files.readAllBytes(platform.resolve("b-2.jar")));
        assertFalse(Files.exists(platform.resolve("stale-0.jar")), "a jar an older host left is removed");
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(platform)));
        assertTrue(Files.getLastModifiedTime(platform.resolve("a-1.jar")).toMillis() < System.currentTimeMillis(),
                "older than the install, or the launcher would update it at once");
    }

    @Test
    void nothingHappensOutsideTheHostJarOrWhenAskedToKeepThemEmbedded() throws Exception {
        Properties sys = new Properties();
        try (URLClassLoader none = new URLClassLoader(new URL[0], null)) {
            assertNull(PlatformBundles.prepare(sys, none));
        }
        Path hostJar = hostJar("launch.embedded=true\nlaunch.bundles=jar/a-1.jar\n");
        sys.setProperty(PlatformBundles.EMBEDDED_PROPERTY, "true");
        try (URLClassLoader cl = new URLClassLoader(new URL[] {hostJar.toUri().toURL()}, null)) {
            assertNull(PlatformBundles.prepare(sys, cl));
        }
        assertNull(sys.getProperty("launch.bundles"));
    }

    @Test
    void aBundleMissingFromTheJarIsAnError() throws Exception {
        Path hostJar = hostJar("launch.embedded=true\nlaunch.bundles=jar/a-1.jar,jar/missing-9.jar\n");
        Properties sys = new Properties();
        sys.setProperty(PlatformBundles.DIR_PROPERTY, tmp.resolve("p").toString());
        try (URLClassLoader cl = new URLClassLoader(new URL[] {hostJar.toUri().toURL()}, null)) {
            var e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, () -> PlatformBundles.prepare(sys, cl));
            assertTrue(e.getMessage().contains("jar/missing-9.jar"), e.getMessage());
        }
    }

    private Path hostJar(String launcherProperties) throws Exception {
        Path jar = tmp.resolve("host-" + System.nanoTime() + ".jar");
        try (OutputStream os = Files.newOutputStream(jar); ZipOutputStream zip = new ZipOutputStream(os)) {
            zip.putNextEntry(new ZipEntry("launcher.properties"));
            zip.write(launcherProperties.getBytes(StandardCharsets.UTF_8));
            for (String n : new String[] {"a-1", "b-2"}) {
                zip.putNextEntry(new ZipEntry("jar/" + n + ".jar"));
                zip.write(("bundle " + n.charAt(0)).getBytes(StandardCharsets.UTF_8));
            }
        }
        return jar;
    }
}
