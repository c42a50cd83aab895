package expkt.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import javax.inject.Inject;

import org.junit.Test;
import org.ops4j.pax.exam.Option;
import org.osgi.framework.Bundle;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

/**
 * Hot deployment on a running host: FileInstall watches a deploy directory; the test bundle
 * (itest's own jar, a DS component) is copied in, replaced by its version 2, and deleted, while the
 * framework keeps running; a {@code .cfg} file in the same directory configures its component live.
 */
public class HotDeployIT extends ExpktTestSupport {
    private static final String BSN = "expkt.itest.hotdeploy";
    private static final String FILTER = "(expkt.itest=hotdeploy)";
    private static final long WAIT_MS = 20_000;

    @Inject
    private ServiceComponentRuntime scr;

    /** Driver side: FileInstall on a fresh deploy directory, and the two versions of the test bundle. */
    @Override
    protected Option[] options() {
        try {
            Path work = Files.createDirectories(Path.of("target/hotdeploy").toAbsolutePath());
            Path deploy = work.resolve("deploy-" + System.nanoTime());
            Files.createDirectories(deploy);
            Path v1 = ExpktOptions.jar("expkt.itest.bundle").toPath();
            Path v2 = work.resolve("expkt.itest.hotdeploy-2.0.0.jar");
            withVersion(v1, "2.0.0", v2);
            return new Option[] {
                ExpktOptions.runtimeBundles("fileinstall"),
                frameworkProperty("felix.fileinstall.dir").value(deploy.toString()),
                frameworkProperty("felix.fileinstall.poll").value("200"),
                frameworkProperty("felix.fileinstall.noInitialDelay").value("true"),
                frameworkProperty("felix.fileinstall.log.level").value("3"),
                frameworkProperty("expkt.itest.hotdeploy.v1").value(v1.toString()),
                frameworkProperty("expkt.itest.hotdeploy.v2").value(v2.toString()),
            };
        } catch (IOException e) {
            throw new IllegalStateException("cannot prepare the hot-deploy bundles: " + e.getMessage(), e);
        }
    }

    /** A copy of {@code in} whose manifest says Bundle-Version {@code version}. */
    static void withVersion(Path in, String version, Path out) throws IOException {
        try (InputStream is = Files.newInputStream(in); JarInputStream jin = new JarInputStream(is)) {
            Manifest m = new Manifest(jin.getManifest());
            m.getMainAttributes().putValue("Bundle-Version", version);
            try (OutputStream os = Files.newOutputStream(out); JarOutputStream jout = new JarOutputStream(os, m)) {
                for (JarEntry e; (e = jin.getNextJarEntry()) != null;) {
                    jout.putNextEntry(new JarEntry(e.getName()));
                    jin.transferTo(jout);
                    jout.closeEntry();
                }
            }
        }
    }

    @Test
    public void deployUpdateAndRemoveWhileTheHostRuns() throws Exception {
        Path deploy = Path.of(context.getProperty("felix.fileinstall.dir"));
        Path target = deploy.resolve("hotdeploy.jar");
        Bundle system = context.getBundle(0);
        long systemModified = system.getLastModified();
        List<FrameworkEvent> frameworkEvents = new ArrayList<>();
        FrameworkListener restarts = e -> {
            if (e.getType() == FrameworkEvent.STARTED || e.getType() == FrameworkEvent.STOPPED
                    || e.getType() == FrameworkEvent.STOPPED_UPDATE) {
                synchronized (frameworkEvents) {
                    frameworkEvents.add(e);
                }
            }
        };
        context.addFrameworkListener(restarts);
        try {
            assertNull("nothing deployed yet", bundle());

            // 1. copy version 1 in: installed, started, its component active
            drop(Path.of(context.getProperty("expkt.itest.hotdeploy.v1")), target);
            String v1 = awaitGreeting("hotdeploy 1.0.0");
            Bundle b = bundle();
            assertNotNull(b);
            long id = b.getBundleId();
            assertEquals(Bundle.ACTIVE, b.getState());
            assertEquals("1.0.0", b.getVersion().toString());
            assertComponentActive(b);
            ServiceReference<?> ref1 = onlyService();

            // 2. replace it by version 2: the same bundle, updated in place, a new class loader
            drop(Path.of(context.getProperty("expkt.itest.hotdeploy.v2")), target);
            String v2 = awaitGreeting("hotdeploy 2.0.0");
            Bundle b2 = bundle();
            assertEquals("updated in place, not reinstalled", id, b2.getBundleId());
            assertEquals("2.0.0", b2.getVersion().toString());
            assertEquals(Bundle.ACTIVE, b2.getState());
            assertComponentActive(b2);
            assertNull("version 1's service is unregistered", ref1.getBundle());
            assertEquals(1, services().size());
            assertNotEquals("version 2 runs from a new class loader", loader(v1), loader(v2));
            assertEquals(1, bundlesNamed().size());

            // 3. delete the file: uninstalled
            Files.delete(target);
            await("bundle " + id + " uninstalled", WAIT_MS, () -> context.getBundle(id) == null);
            assertEquals(0, services().size());
            assertEquals(0, bundlesNamed().size());

            // and all along the host kept running
            assertEquals(Bundle.ACTIVE, system.getState());
            assertEquals(systemModified, system.getLastModified());
            assertEquals(Bundle.ACTIVE, context.getBundle().getState());
            synchronized (frameworkEvents) {
                assertEquals("no framework start or stop during the test", List.of(), frameworkEvents);
            }
        } finally {
            context.removeFrameworkListener(restarts);
            Files.deleteIfExists(target);
        }
    }

    @Test
    public void configFilesInTheDeployDirectoryConfigureComponentsLive() throws Exception {
        Path deploy = Path.of(context.getProperty("felix.fileinstall.dir"));
        Path jar = deploy.resolve("configured.jar");
        Path cfg = deploy.resolve("expkt.itest.hotdeploy.HotDeployedGreeter.cfg");
        try {
            drop(Path.of(context.getProperty("expkt.itest.hotdeploy.v1")), jar);
            String before = awaitGreeting("hotdeploy 1.0.0 says hello");
            long id = bundle().getBundleId();

            dropText("greeting = bonjour\n", cfg);
            awaitGreeting("hotdeploy 1.0.0 says bonjour");
            dropText("greeting = hallo\n", cfg);
            String changed = awaitGreeting("hotdeploy 1.0.0 says hallo");
            Files.delete(cfg);
            awaitGreeting("hotdeploy 1.0.0 says hello");

            // configured live: the same bundle and class loader throughout, only the component was reactivated
            assertEquals(id, bundle().getBundleId());
            assertEquals(loader(before), loader(changed));
        } catch (Throwable t) {
            // the clean-up's own failure must not hide why the test failed: it rides along as suppressed
            try {
                removeConfigured(cfg, jar);
            } catch (Throwable cleanup) {
                t.addSuppressed(cleanup);
            }
            throw t;
        }
        removeConfigured(cfg, jar);
    }

    private void removeConfigured(Path cfg, Path jar) throws Exception {
        Files.deleteIfExists(cfg);
        Files.deleteIfExists(jar);
        await("the configured bundle uninstalled", WAIT_MS, () -> bundle() == null);
    }

    private static void dropText(String text, Path target) throws IOException {
        Path staging = target.getParent().resolveSibling("staging-" + target.getParent().getFileName());
        Files.createDirectories(staging);
        Path tmp = staging.resolve(target.getFileName());
        Files.writeString(tmp, text);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Copies next to the deploy directory, then moves in atomically: FileInstall never sees half a jar. */
    private static void drop(Path jar, Path target) throws IOException {
        Path staging = target.getParent().resolveSibling("staging-" + target.getParent().getFileName());
        Files.createDirectories(staging);
        Path tmp = staging.resolve(target.getFileName());
        Files.copy(jar, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private String awaitGreeting(String prefix) throws Exception {
        String[] last = {null};
        expkt.lab.Deadlines.await(WAIT_MS, "a service " + FILTER + " saying \"" + prefix + "\"", () -> {
            for (ServiceReference<?> ref : services()) {
                Object svc = context.getService(ref);
                if (svc instanceof Supplier<?> s) {
                    last[0] = String.valueOf(s.get());
                    context.ungetService(ref);
                    if (last[0].startsWith(prefix + " ")) {
                        return true;
                    }
                }
            }
            return false;
        }, () -> "last: " + last[0] + ", bundles: " + bundlesNamed());
        return last[0];
    }

    private void assertComponentActive(Bundle b) {
        Collection<ComponentDescriptionDTO> descs = scr.getComponentDescriptionDTOs(b);
        assertEquals(1, descs.size());
        ComponentDescriptionDTO d = descs.iterator().next();
        assertTrue(scr.isComponentEnabled(d));
        Collection<ComponentConfigurationDTO> configs = scr.getComponentConfigurationDTOs(d);
        assertEquals(1, configs.size());
        // getService above activated the (delayed) component; while referenced it is ACTIVE
        ServiceReference<?> ref = onlyService();
        Object svc = context.getService(ref);
        try {
            assertNotNull(svc);
            assertEquals(ComponentConfigurationDTO.ACTIVE, scr.getComponentConfigurationDTOs(d).iterator().next().state);
        } finally {
            context.ungetService(ref);
        }
    }

    private ServiceReference<?> onlyService() {
        List<ServiceReference<?>> refs = services();
        assertEquals(refs.toString(), 1, refs.size());
        return refs.get(0);
    }

    private List<ServiceReference<?>> services() {
        try {
            ServiceReference<?>[] refs = context.getServiceReferences(Supplier.class.getName(), FILTER);
            return refs == null ? List.of() : List.of(refs);
        } catch (org.osgi.framework.InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private Bundle bundle() {
        List<Bundle> named = bundlesNamed();
        return named.isEmpty() ? null : named.get(0);
    }

    private List<Bundle> bundlesNamed() {
        List<Bundle> out = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            if (BSN.equals(b.getSymbolicName())) {
                out.add(b);
            }
        }
        return out;
    }

    private static String loader(String greeting) {
        return greeting.substring(greeting.indexOf(" loader ") + 8);
    }
}
