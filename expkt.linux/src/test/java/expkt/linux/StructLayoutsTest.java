package expkt.linux;

import expkt.linux.StructLayouts.Arch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every struct layout the FFM bindings use, checked against the C compiler: a C program made of the
 * table's own expressions ({@code sizeof(...)}, {@code offsetof(...)}) is compiled and run natively
 * (it prints each value), and compiled for each known architecture with its (cross) compiler to
 * assembly, from which the values are read (the Linux kernel's asm-offsets technique: nothing has to
 * run on the target). The cross compilers come from cnf/system-packages (gcc-aarch64-linux-gnu,
 * gcc-x86-64-linux-gnu on a non-x86 host).
 */
class StructLayoutsTest {
    private static final String HEADERS = """
            #define _GNU_SOURCE
            #include <stddef.h>
            #include <stdio.h>
            #include <sys/epoll.h>
            #include <sys/socket.h>
            #include <sys/uio.h>
            #include <poll.h>
            #include <netinet/in.h>
            #include <net/if.h>
            #include <linux/if_packet.h>
            #include <linux/filter.h>
            #include <linux/ethtool.h>
            """;
    private static final Pattern ASM_LINE = Pattern.compile("@@L (.+?)=(-?\\d+)");

    @TempDir
    Path dir;

    @Test
    void theNativeLayoutsAreWhatTheCompilerSaysPrintedByACProgram() throws Exception {
        Map<String, Long> table = StructLayouts.nativeLayouts();
        StringBuilder c = new StringBuilder(HEADERS).append("int main(void) {\n");
        for (String expr : table.keySet()) {
            c.append("    printf(\"%s=%ld\\n\", \"").append(expr).append("\", (long) (").append(expr).append("));\n");
        }
        c.append("    return 0;\n}\n");
        Path src = dir.resolve("layouts.c");
        Files.writeString(src, c);
        Path exe = dir.resolve("layouts");
        run(List.of("gcc", "-Wall", "-Werror", "-o", exe.toString(), src.toString()));
        Map<String, Long> printed = new LinkedHashMap<>();
        for (String line : run(List.of(exe.toString())).split("\n")) {
            int eq = line.lastIndexOf('=');
            printed.put(line.substring(0, eq), Long.parseLong(line.substring(eq + 1)));
        }
        assertEquals(List.of(), mismatches(table, printed), "Java layouts that differ from gcc's on os.arch "
                + System.getProperty("os.arch"));
        assertEquals(table.size(), printed.size());
    }

    @Test
    void everyKnownArchitecturesLayoutsAreWhatItsCompilerSays() throws Exception {
        for (Arch arch : Arch.values()) {
            Map<String, Long> compiled = compiledFor(arch, StructLayouts.layouts(arch));
            assertEquals(List.of(), mismatches(StructLayouts.layouts(arch), compiled), "Java layouts that differ from "
                    + compiler(arch) + "'s for " + arch);
        }
    }

    @Test
    void theComparisonSeesTheEpollEventDifferenceBetweenTheArchitectures() throws Exception {
        // the reason for per-architecture tables: x86-64's layouts checked against aarch64's compiler
        Map<String, Long> aarch64 = compiledFor(Arch.AARCH64, StructLayouts.layouts(Arch.X86_64));
        assertEquals(List.of("sizeof(struct epoll_event): Java 12, C 16", "offsetof(struct epoll_event, data): Java 4, C 8"),
                mismatches(StructLayouts.layouts(Arch.X86_64), aarch64));
    }

    @Test
    void anArchitectureWhoseLayoutsAreNotKnownIsRefusedByName() {
        assertSame(Arch.X86_64, Arch.of("amd64"));
        assertSame(Arch.X86_64, Arch.of("x86_64"));
        assertSame(Arch.AARCH64, Arch.of("aarch64"));
        assertNull(Arch.of("riscv64"));
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> StructLayouts.require("riscv64"));
        assertTrue(e.getMessage().contains("\"riscv64\"") && e.getMessage().contains("aarch64"), e.getMessage());
        assertThrows(UnsupportedOperationException.class, () -> StructLayouts.require("x86"));  // 32-bit: other layouts
        assertThrows(UnsupportedOperationException.class, () -> StructLayouts.require("arm"));
    }

    @Test
    void aJvmOnAnUnknownArchitectureRefusesToStartTheBindings() throws Exception {
        // a real JVM told it runs on riscv64: the first binding used fails, naming the architecture
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String out = run(List.of(java, "--enable-native-access=ALL-UNNAMED", "-Dos.arch=riscv64", "-cp",
                System.getProperty("java.class.path"), UnknownArchitectureProbe.class.getName()), true);
        assertTrue(out.contains("REFUSED java.lang.UnsupportedOperationException") && out.contains("os.arch \"riscv64\""), out);
        // and the same probe on this machine's architecture opens an epoll fd (the probe can tell the two apart)
        String ok = run(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                UnknownArchitectureProbe.class.getName()), true);
        assertTrue(ok.contains("STARTED epoll fd"), ok);
    }

    /** Run in a child JVM by the test above. */
    public static final class UnknownArchitectureProbe {
        public static void main(String[] args) {
            try {
                int fd = Epoll.create();
                Fds.closeQuietly(fd);
                System.out.println("STARTED epoll fd " + fd);
            } catch (Throwable t) {
                Throwable cause = t;
                while (cause.getCause() != null) {
                    cause = cause.getCause();
                }
                System.out.println("REFUSED " + cause);
            }
        }
    }

    /** The values of {@code table}'s expressions as {@code arch}'s compiler computes them, read from its assembly. */
    private Map<String, Long> compiledFor(Arch arch, Map<String, Long> table) throws Exception {
        StringBuilder c = new StringBuilder(HEADERS)
                .append("#define L(name, expr) __asm__ volatile(\"\\n.ascii \\\"@@L \" name \"=%c0\\\\n\\\"\" : : \"i\" ((long) (expr)))\n")
                .append("void layouts(void) {\n");
        for (String expr : table.keySet()) {
            c.append("    L(\"").append(expr).append("\", ").append(expr).append(");\n");
        }
        c.append("}\n");
        Path src = dir.resolve("layouts-" + arch + ".c");
        Files.writeString(src, c);
        String asm = run(List.of(compiler(arch), "-S", "-o", "-", src.toString()));
        Map<String, Long> out = new LinkedHashMap<>();
        Matcher m = ASM_LINE.matcher(asm);
        while (m.find()) {
            out.put(m.group(1), Long.parseLong(m.group(2)));
        }
        assertEquals(table.size(), out.size(), "values read from " + compiler(arch) + "'s assembly:\n" + asm);
        return out;
    }

    private static String compiler(Arch arch) {
        if (arch == StructLayouts.requireKnownArchitecture()) {
            return "gcc";
        }
        return switch (arch) {
            case X86_64 -> "x86_64-linux-gnu-gcc";
            case AARCH64 -> "aarch64-linux-gnu-gcc";
        };
    }

    private static List<String> mismatches(Map<String, Long> java, Map<String, Long> c) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, Long> e : java.entrySet()) {
            Long v = c.get(e.getKey());
            if (!e.getValue().equals(v)) {
                out.add(e.getKey() + ": Java " + e.getValue() + ", C " + v);
            }
        }
        return out;
    }

    private static String run(List<String> cmd) throws IOException, InterruptedException {
        return run(cmd, false);
    }

    private static String run(List<String> cmd, boolean anyExit) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException(cmd.get(0) + " is not installed (see cnf/system-packages: gcc, libc6-dev, "
                    + "gcc-aarch64-linux-gnu): " + e.getMessage(), e);
        }
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(cmd + " did not finish in 60 s");
        }
        String text = new String(out, StandardCharsets.UTF_8);
        if (!anyExit && p.exitValue() != 0) {
            throw new AssertionError(cmd + " exited " + p.exitValue() + ":\n" + text);
        }
        return text;
    }
}
