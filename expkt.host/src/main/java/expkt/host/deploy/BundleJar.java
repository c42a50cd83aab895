package expkt.host.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;

import org.osgi.framework.Constants;
import org.osgi.framework.Version;

/**
 * A jar file checked to be a complete, readable OSGi bundle: its central directory opens, every
 * entry reads to its end with a matching CRC (so a truncated or overwritten jar fails here, not in
 * the framework after the running bundle was stopped), and its manifest names an R4+ bundle with a
 * parseable version and well-formed dependency headers. Immutable.
 */
public record BundleJar(Path file, String symbolicName, Version version, Attributes manifest) {

    /** Checks {@code file}; throws {@link Refusal} naming the first thing wrong. */
    public static BundleJar check(Path file) throws Refusal {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            if (zip.size() == 0) {
                throw new Refusal("an empty zip file");
            }
        } catch (ZipException e) {
            throw new Refusal("not a jar (zip): " + e.getMessage());
        } catch (IOException e) {
            throw new Refusal("cannot read the file: " + e);
        }
        byte[] buf = new byte[16 * 1024];
        try (InputStream in = Files.newInputStream(file); ZipInputStream zin = new ZipInputStream(in)) {
            for (ZipEntry e; (e = zin.getNextEntry()) != null;) {
                String name = e.getName();
                try {
                    while (zin.read(buf) >= 0) {
                        // read to the end: ZipInputStream checks the size and CRC there
                    }
                } catch (ZipException x) {
                    throw new Refusal("a corrupt entry " + name + ": " + x.getMessage());
                }
            }
        } catch (IOException e) {
            throw new Refusal("a corrupt jar: " + e.getMessage());
        }
        Manifest mf;
        try (JarFile jar = new JarFile(file.toFile(), false)) {
            mf = jar.getManifest();
        } catch (IOException e) {
            throw new Refusal("an unreadable manifest: " + e.getMessage());
        }
        if (mf == null) {
            throw new Refusal("no META-INF/MANIFEST.MF: not a bundle");
        }
        Attributes main = mf.getMainAttributes();
        if (!"2".equals(strip(main.getValue(Constants.BUNDLE_MANIFESTVERSION)))) {
            throw new Refusal("not an OSGi R4+ bundle (Bundle-ManifestVersion is "
                    + main.getValue(Constants.BUNDLE_MANIFESTVERSION) + ", not 2)");
        }
        String bsnHeader = main.getValue(Constants.BUNDLE_SYMBOLICNAME);
        if (bsnHeader == null || bsnHeader.isBlank()) {
            throw new Refusal("no Bundle-SymbolicName: not a bundle");
        }
        Version version;
        try {
            String v = main.getValue(Constants.BUNDLE_VERSION);
            version = v == null ? Version.emptyVersion : Version.parseVersion(v.strip());
        } catch (IllegalArgumentException e) {
            throw new Refusal("a bad Bundle-Version: " + e.getMessage());
        }
        String bsn;
        try {
            bsn = ManifestHeader.parse(bsnHeader).clauses().getFirst().paths().getFirst();
            for (String h : new String[] {Constants.IMPORT_PACKAGE, Constants.EXPORT_PACKAGE,
                Constants.REQUIRE_CAPABILITY, Constants.REQUIRE_BUNDLE, Constants.FRAGMENT_HOST}) {
                ManifestHeader.parse(main.getValue(h));
            }
        } catch (IllegalArgumentException e) {
            throw new Refusal("a malformed manifest header: " + e.getMessage());
        }
        return new BundleJar(file, bsn, version, main);
    }

    private static String strip(String s) {
        return s == null ? null : s.strip();
    }

    /** Why a jar is not taken. */
    public static final class Refusal extends Exception {
        private static final long serialVersionUID = 1L;

        public Refusal(String reason) {
            super(reason);
        }
    }
}
