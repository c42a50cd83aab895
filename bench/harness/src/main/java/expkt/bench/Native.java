package expkt.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The native contenders and tools (bench/c/*.c), built with gcc at bench time so the figures are those
 * of this machine's compiler and kernel headers: {@code cring} (c-ring), {@code responder}
 * (c-responder), {@code echoclient}, {@code txring} (setup B's generator).
 */
final class Native {
    static final List<String> PROGRAMS = List.of("cring", "txring", "responder", "echoclient");
    private final Path bin;

    private Native(Path bin) {
        this.bin = bin;
    }

    static Native build(Path sources, Path bin) {
        try {
            Files.createDirectories(bin);
            for (String p : PROGRAMS) {
                Path src = sources.resolve(p + ".c");
                if (!Files.isRegularFile(src)) {
                    throw new BenchException("missing C source " + src);
                }
                Process gcc = new ProcessBuilder("gcc", "-O2", "-Wall", "-Wextra", "-Werror", "-o",
                        bin.resolve(p).toString(), src.toString()).redirectErrorStream(true).start();
                String out = new String(gcc.getInputStream().readAllBytes());
                if (!gcc.waitFor(60, TimeUnit.SECONDS) || gcc.exitValue() != 0) {
                    throw new BenchException("gcc failed on " + src + ": " + out);
                }
            }
            return new Native(bin);
        } catch (IOException e) {
            throw new BenchException("cannot build the native contenders (is gcc installed?): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted while building the native contenders", e);
        }
    }

    String path(String program) {
        return bin.resolve(program).toString();
    }
}
