package expkt.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.junit.Test;

import expkt.itest.broken.ThrowsInActivate;
import expkt.lab.Lab;

/**
 * The verdict of a bounded host run ({@code ./expkt demo}, {@code ./expkt host --seconds}): the
 * exported host jar, started with {@code java -jar} in a lab's switch namespace the way the demo
 * starts it, with the protocol bundles in its deploy directory. With a protocol bundle that cannot
 * resolve (it imports a package nobody exports) and one whose component throws in activate (and
 * offers a Gogo command that therefore has no service), the run exits 1 and its last line names
 * both, and the command's failure names the component instead of Gogo's NullPointerException. The
 * same run without them exits 0: the verdict can pass.
 */
public class HostVerdictIT {
    private static final String UNRESOLVABLE = "expkt.itest.unresolvable";
    private static final String MISSING_PACKAGE = "expkt.no.such.pkg";
    private static final String THROWING = "expkt.itest.throwsinactivate";

    @Test
    public void brokenBundlesMakeTheRunFailAndAreNamed() throws Exception {
        Run run = runHost(true);
        assertEquals("exit code of a run with broken bundles\n" + run.output, 1, run.exit);
        String verdict = run.verdict();
        assertTrue(verdict, verdict.startsWith("expkt host: run FAILED"));
        // the deploy guard refuses the unresolvable jar before it becomes a bundle: the verdict names it
        assertTrue("names the unresolvable bundle and what it misses: " + verdict,
                verdict.contains(UNRESOLVABLE) && verdict.contains(MISSING_PACKAGE) && verdict.contains("refused"));
        assertTrue("names the component that throws in activate and why: " + verdict,
                verdict.contains("component " + ThrowsInActivate.class.getName() + " of " + THROWING)
                        && verdict.contains(ThrowsInActivate.WHY));
        assertTrue("the command without a service names its component:\n" + run.output,
                run.output.contains("broken:hello is unavailable: component " + ThrowsInActivate.class.getName()));
        assertFalse("Gogo's NullPointerException text instead of the reason:\n" + run.output,
                run.output.contains("because \"target\" is null"));
        assertEquals("the result file holds the verdict line", verdict, Files.readString(run.resultFile).strip());
    }

    @Test
    public void theSameRunWithoutThemPasses() throws Exception {
        Run run = runHost(false);
        assertEquals("exit code of a healthy run\n" + run.output, 0, run.exit);
        assertTrue(run.verdict(), run.verdict().startsWith("expkt host: run ok"));
    }

    private record Run(int exit, String output, Path resultFile) {
        String verdict() {
            return output.lines().filter(l -> l.startsWith("expkt host: run ")).reduce((a, b) -> b).orElse("(no verdict line)");
        }
    }

    private static Run runHost(boolean broken) throws Exception {
        Path work = Files.createDirectories(Path.of("target/hostverdict").toAbsolutePath());
        Path run = Files.createTempDirectory(work, broken ? "broken" : "healthy");
        Path deploy = Files.createDirectories(run.resolve("deploy"));
        for (String p : List.of("lldp", "ping", "wol")) {
            Files.copy(ExpktOptions.jar("expkt.bundle.expkt.protocol." + p).toPath(), deploy.resolve("expkt.protocol." + p + ".jar"));
        }
        String commands = "lb;scr:list";
        if (broken) {
            unresolvableBundle(deploy.resolve(UNRESOLVABLE + ".jar"));
            throwingBundle(deploy.resolve(THROWING + ".jar"));
            commands += ";broken:hello";
        }
        Path result = run.resolve("result");

        Lab.cleanStale();
        try (Lab lab = Lab.builder().ports(2).bridge(true).build();
             HostProcess host = HostProcess.startHeadless(lab, run, "expkt.host.resultFile=" + result, "expkt.host.runSeconds=2",
                     "expkt.host.commands=" + commands)) {
            int exit = host.awaitExit(120_000);
            return new Run(exit, host.output(), result);
        }
    }

    /** A protocol bundle that imports a package nobody exports: it installs and never resolves. */
    private static void unresolvableBundle(Path jar) throws IOException {
        Manifest m = manifest(UNRESOLVABLE);
        m.getMainAttributes().putValue("Import-Package", MISSING_PACKAGE);
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), m)) {
            out.putNextEntry(new JarEntry("README.txt"));
            out.write("imports a package nobody exports\n".getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
    }

    /** A bundle with one immediate DS component (a Gogo command service) whose activate method throws. */
    private static void throwingBundle(Path jar) throws IOException {
        Manifest m = manifest(THROWING);
        m.getMainAttributes().putValue("Service-Component", "OSGI-INF/component.xml");
        String cls = ThrowsInActivate.class.getName().replace('.', '/') + ".class";
        String xml = """
                <?xml version="1.0" encoding="UTF-8"?>
                <scr:component xmlns:scr="http://www.osgi.org/xmlns/scr/v1.3.0" name="%s" immediate="true" activate="activate">
                  <implementation class="%s"/>
                  <service><provide interface="java.lang.Object"/></service>
                  <property name="osgi.command.scope" value="broken"/>
                  <property name="osgi.command.function" value="hello"/>
                </scr:component>
                """.formatted(ThrowsInActivate.class.getName(), ThrowsInActivate.class.getName());
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), m)) {
            out.putNextEntry(new JarEntry(cls));
            try (InputStream in = HostVerdictIT.class.getClassLoader().getResourceAsStream(cls)) {
                if (in == null) {
                    throw new IOException(cls + " is not on the test class path");
                }
                in.transferTo(out);
            }
            out.closeEntry();
            out.putNextEntry(new JarEntry("OSGI-INF/component.xml"));
            out.write(xml.getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
    }

    private static Manifest manifest(String symbolicName) {
        Manifest m = new Manifest();
        Attributes a = m.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", symbolicName);
        a.putValue("Bundle-Version", "1.0.0");
        return m;
    }

}
