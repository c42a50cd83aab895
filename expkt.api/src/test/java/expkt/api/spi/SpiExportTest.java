package expkt.api.spi;

import org.apache.felix.framework.FrameworkFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.framework.wiring.FrameworkWiring;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * expkt.api.spi (the ExosSockAddr setter, the VR of a namespace) is for expkt's own bundles: its export
 * carries the mandatory attribute {@code expkt.internal=api} (this module's bnd.bnd), so the ordinary
 * import bnd writes for a protocol bundle that uses it does not resolve, while the clause of the
 * provider, expkt.vr and the test kit (their bnd.bnd) does. Checked in a real Felix framework against
 * the manifest bnd generated for this build ({@code target/classes}, installed as a directory bundle).
 */
class SpiExportTest {
    /** The import clause expkt.provider, expkt.vr and expkt.testkit declare. */
    static final String INTERNAL_IMPORT = "expkt.api.spi;expkt.internal=api;version=\"[1.0,2)\"";

    @TempDir
    Path dir;
    Framework framework;

    @BeforeEach
    void start() throws BundleException {
        framework = new FrameworkFactory().newFramework(Map.of(
                Constants.FRAMEWORK_STORAGE, dir.resolve("cache").toString(),
                Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT));
        framework.start();
    }

    @AfterEach
    void stop() throws Exception {
        framework.stop();
        framework.waitForStop(10_000);
    }

    @Test
    void onlyAnImportNamingTheMandatoryAttributeWiresToTheSpi() throws Exception {
        Path classes = Path.of("target/classes").toAbsolutePath();
        assertTrue(Files.isRegularFile(classes.resolve("META-INF/MANIFEST.MF")),
                "bnd-process has not written " + classes + "/META-INF/MANIFEST.MF");
        Bundle api = framework.getBundleContext().installBundle("reference:" + classes.toUri());
        String export = api.getHeaders().get(Constants.EXPORT_PACKAGE);
        assertTrue(export.contains("expkt.api.spi;expkt.internal=api"), export);
        assertTrue(export.contains("mandatory:=\"expkt.internal\""), "export without the mandatory attribute: " + export);

        Bundle provider = install("expkt.test.providerlike", INTERNAL_IMPORT);
        Bundle protocol = install("expkt.test.protocol", "expkt.api.spi;version=\"[1.0,2)\"");
        Bundle user = install("expkt.test.user", "expkt.api.packet;version=\"[2.0,3)\"");

        FrameworkWiring wiring = framework.adapt(FrameworkWiring.class);
        assertFalse(wiring.resolveBundles(List.of(api, provider, protocol, user)), "every bundle resolved");

        // the control: the provider's clause wires to the real expkt.api bundle, and the public API still resolves
        assertEquals(Bundle.RESOLVED, provider.getState());
        BundleWiring providerWiring = provider.adapt(BundleWiring.class);
        assertNotNull(providerWiring);
        assertEquals(api, providerWiring.getRequiredWires("osgi.wiring.package").getFirst().getProvider().getBundle());
        assertEquals(Bundle.RESOLVED, user.getState());

        // a protocol bundle's ordinary import does not
        assertEquals(Bundle.INSTALLED, protocol.getState());
        BundleException refused = assertThrows(BundleException.class, protocol::start);
        assertTrue(refused.getMessage().contains("expkt.api.spi"), refused.getMessage());
    }

    /** A bundle with nothing but a manifest that imports {@code importPackage}. */
    private Bundle install(String symbolicName, String importPackage) throws IOException, BundleException {
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.putValue(Constants.BUNDLE_MANIFESTVERSION, "2");
        main.putValue(Constants.BUNDLE_SYMBOLICNAME, symbolicName);
        main.putValue(Constants.BUNDLE_VERSION, "1.0.0");
        main.putValue(Constants.IMPORT_PACKAGE, importPackage);
        Path jar = dir.resolve(symbolicName + ".jar");
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream ignored = new JarOutputStream(out, manifest)) {
            // manifest only
        }
        return framework.getBundleContext().installBundle(jar.toUri().toString());
    }
}
