package expkt.testkit;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The build's check that test code reaches the provider and the virtual routers only through the
 * public API and the test kit: no Java file of a test source tree — {@code src/test} of every module,
 * and all of {@code itest/src} (its test bundles included) — names {@code expkt.provider.*} or
 * {@code expkt.vr.internal.*}, in an import or in code. The provider's and {@code expkt.vr}'s own tests
 * are exempt (they test those internals); the test kit's {@code expkt.testkit.lab} is where a test
 * gets what only the provider has. It runs in {@code mvn verify} (this module builds before the
 * protocols and itest), and its failure lists every file:line.
 */
class ImportRuleTest {
    /** Modules whose own tests may use their internals. */
    static final Set<String> EXEMPT = Set.of("expkt.provider", "expkt.vr");
    static final Pattern FORBIDDEN = Pattern.compile("\\bexpkt\\.(provider|vr\\.internal)\\b\\s*[.;]");

    @Test
    void noTestModuleUsesProviderOrVrInternals() {
        Path root = repositoryRoot();
        List<Path> trees = testTrees(root);
        assertTrue(trees.stream().anyMatch(t -> t.endsWith(Path.of("protocols", "lldp", "src", "test"))),
                "the scan found the protocol modules' tests: " + trees);
        assertTrue(trees.stream().anyMatch(t -> t.endsWith(Path.of("itest", "src"))), "the scan found itest: " + trees);
        List<String> found = violations(root);
        assertEquals(List.of(), found, "test code must use expkt.api.*, the codec, expkt.testkit.* and expkt.lab.* "
                + "(what a test needs from the provider or expkt.vr goes into expkt.testkit.lab); these do not:\n" + String.join("\n", found));
    }

    @Test
    void theRuleSeesImportsStaticImportsAndQualifiedNamesButNotComments() throws IOException {
        Path root = Files.createTempDirectory("xk-import-rule");
        Files.writeString(root.resolve("pom.xml"), "<project/>");
        Path lldp = Files.createDirectories(root.resolve("protocols/lldp/src/test/java/x"));
        // the forbidden names are spelled in pieces here, so that this file does not break its own rule
        String p = "expkt." + "provider";
        String v = "expkt.vr." + "internal";
        Files.writeString(lldp.resolve("A.java"), """
                package x;
                import expkt.api.packet.PacketService;
                import @P@.socket.L2Engine;
                // @P@.socket.L2Engine in a comment is fine
                /* and @V@.VrTable here too */
                class A {
                    Object o = new @V@.VrExec();
                }
                """.replace("@P@", p).replace("@V@", v));
        Files.writeString(lldp.resolve("B.java"), "package x;\nimport static " + p + ".core.VrScope.single;\nclass B {}\n");
        Path itest = Files.createDirectories(root.resolve("itest/src/main/java/y"));
        Files.writeString(itest.resolve("C.java"), "package y;\nimport " + v + ".*;\nclass C {}\n");
        // the provider's own tests may
        Path own = Files.createDirectories(root.resolve("expkt.provider/src/test/java/z"));
        Files.writeString(own.resolve("D.java"), "package z;\nimport " + p + ".socket.L2Engine;\nclass D {}\n");
        // a bundle name in a string is not a package
        Path capture = Files.createDirectories(root.resolve("expkt.capture/src/test/java/w"));
        Files.writeString(capture.resolve("E.java"), "package w;\nclass E { String s = \"" + p + "\"; String j = \"deploy/" + p + ".jar\"; }\n");

        List<String> found = violations(root);
        assertEquals(4, found.size(), String.join("\n", found));
        assertTrue(found.get(0).startsWith(Path.of("itest/src/main/java/y/C.java") + ":2:"), found.get(0));
        assertTrue(found.get(1).startsWith(Path.of("protocols/lldp/src/test/java/x/A.java") + ":3:"), found.get(1));
        assertTrue(found.get(2).startsWith(Path.of("protocols/lldp/src/test/java/x/A.java") + ":7:"), found.get(2));
        assertTrue(found.get(3).startsWith(Path.of("protocols/lldp/src/test/java/x/B.java") + ":2:"), found.get(3));
    }

    /** The reactor's root: the nearest directory above this module with a pom.xml and an expkt.api module. */
    static Path repositoryRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !(Files.isRegularFile(p.resolve("pom.xml")) && Files.isDirectory(p.resolve("expkt.api")))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("no reactor root (pom.xml beside expkt.api) above " + Path.of("").toAbsolutePath());
        }
        return p;
    }

    /** Every {@code src/test} below root (not in target/ or .git/), and {@code itest/src}. */
    static List<Path> testTrees(Path root) {
        List<Path> trees = new ArrayList<>();
        try (Stream<Path> s = Files.walk(root)) {
            s.filter(Files::isDirectory)
                    .filter(d -> d.endsWith(Path.of("src", "test")) || d.equals(root.resolve("itest/src")))
                    .filter(d -> !root.relativize(d).toString().matches("(^|.*/)(target|\\.git|node_modules)(/.*|$)"))
                    .filter(d -> !EXEMPT.contains(root.relativize(d).getName(0).toString()))
                    .forEach(trees::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // itest/src/test is inside itest/src: scan it once
        trees.removeIf(t -> trees.stream().anyMatch(o -> !o.equals(t) && t.startsWith(o)));
        trees.sort(null);
        return trees;
    }

    /** {@code path:line: text} of every use of a forbidden package in the test trees below root, sorted. */
    static List<String> violations(Path root) {
        List<String> out = new ArrayList<>();
        for (Path tree : testTrees(root)) {
            try (Stream<Path> s = Files.walk(tree)) {
                for (Path f : s.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                    List<String> lines = Files.readAllLines(f);
                    boolean inComment = false;
                    for (int i = 0; i < lines.size(); i++) {
                        String code = lines.get(i);
                        // strip comments and string literals: a bundle or file name in a string
                        // ("deploy/expkt.provider.jar") is not a use of the package
                        StringBuilder kept = new StringBuilder();
                        int j = 0;
                        while (j < code.length()) {
                            if (!inComment && code.charAt(j) == '"') {
                                j++;
                                while (j < code.length() && code.charAt(j) != '"') {
                                    j += code.charAt(j) == '\\' ? 2 : 1;
                                }
                                j++;
                                kept.append("\"\"");
                            } else if (inComment) {
                                int end = code.indexOf("*/", j);
                                if (end < 0) {
                                    j = code.length();
                                } else {
                                    inComment = false;
                                    j = end + 2;
                                }
                            } else if (code.startsWith("/*", j)) {
                                inComment = true;
                                j += 2;
                            } else if (code.startsWith("//", j)) {
                                j = code.length();
                            } else {
                                kept.append(code.charAt(j++));
                            }
                        }
                        if (FORBIDDEN.matcher(kept).find()) {
                            out.add(root.relativize(f) + ":" + (i + 1) + ": " + code.strip());
                        }
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        out.sort(null);
        return out;
    }
}
