package expkt.lab;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs a command to completion with a timeout, capturing its output. */
public final class Exec {
    private Exec() {
    }

    /** What a finished command left. */
    public record Result(List<String> command, int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }

        /** This result if the command exited 0, else an exception with its command line and stderr. */
        public Result check() {
            if (exitCode != 0) {
                throw new LabException("command failed (exit " + exitCode + "): " + String.join(" ", command)
                        + (stderr.isBlank() ? "" : "\n" + stderr.strip()));
            }
            return this;
        }
    }

    public static Result run(long timeoutMillis, List<String> command) {
        ProcessBuilder pb = new ProcessBuilder(command);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new LabException("cannot start " + String.join(" ", command) + ": " + e.getMessage(), e);
        }
        CompletableFuture<String> out = drain(p.getInputStream());
        CompletableFuture<String> err = drain(p.getErrorStream());
        try {
            p.getOutputStream().close();
            if (!p.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                throw new LabException("command timed out after " + timeoutMillis + " ms: " + String.join(" ", command));
            }
            return new Result(List.copyOf(command), p.exitValue(), out.join(), err.join());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new LabException("interrupted while running " + String.join(" ", command), e);
        } catch (IOException e) {
            throw new LabException("cannot talk to " + String.join(" ", command) + ": " + e.getMessage(), e);
        }
    }

    public static Result run(String... command) {
        return run(30_000, List.of(command));
    }

    static CompletableFuture<String> drain(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        }, r -> Thread.ofPlatform().daemon().name("lab-exec-drain").start(r));
    }

    static List<String> inNs(String ns, String... command) {
        List<String> c = new ArrayList<>(command.length + 4);
        if (ns != null) {
            c.add("ip");
            c.add("netns");
            c.add("exec");
            c.add(ns);
        }
        c.addAll(List.of(command));
        return c;
    }
}
