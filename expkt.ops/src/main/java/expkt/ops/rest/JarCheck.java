package expkt.ops.rest;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;

import org.osgi.framework.Version;

/**
 * What an uploaded jar says it is, checked before the framework sees it: a complete jar (every entry
 * readable), a bundle manifest (manifest version 2, a symbolic name, a valid version).
 *
 * <p>Threading: immutable.
 */
record JarCheck(String symbolicName, Version version) {
    static JarCheck of(byte[] jar) throws ApiException {
        if (jar.length == 0) {
            throw new ApiException(400, "the request has no body: send the bundle jar as the body (Content-Type: application/java-archive)");
        }
        Manifest m;
        try (JarInputStream in = new JarInputStream(new ByteArrayInputStream(jar), true)) {
            m = in.getManifest();
            byte[] buf = new byte[8192];
            for (JarEntry e; (e = in.getNextJarEntry()) != null;) {
                while (in.read(buf) >= 0) {
                    // reads every entry to the end: a truncated or corrupt jar fails here
                }
            }
        } catch (IOException | SecurityException e) {
            throw new ApiException(400, "not a jar (" + jar.length + " bytes): " + e.getMessage());
        }
        if (m == null) {
            throw new ApiException(400, "not a bundle: the jar (" + jar.length + " bytes) has no META-INF/MANIFEST.MF as its first entries");
        }
        Attributes a = m.getMainAttributes();
        if (!"2".equals(a.getValue("Bundle-ManifestVersion"))) {
            throw new ApiException(400, "not an OSGi bundle: its manifest has no Bundle-ManifestVersion: 2");
        }
        String bsn = a.getValue("Bundle-SymbolicName");
        if (bsn == null || bsn.isBlank()) {
            throw new ApiException(400, "not an OSGi bundle: its manifest has no Bundle-SymbolicName");
        }
        bsn = bsn.split(";", 2)[0].strip();
        Version v;
        try {
            v = Version.parseVersion(a.getValue("Bundle-Version"));
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, "its Bundle-Version \"" + a.getValue("Bundle-Version") + "\" is not a version: " + e.getMessage());
        }
        return new JarCheck(bsn, v);
    }
}
