package expkt.provider;

import expkt.lab.Lab;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;

/**
 * tcpdump on a lab host's veth0 as the independent witness of what the data plane forwarded: it
 * writes every frame as it arrives ({@code -U}), and {@link #lines()} decodes the file so far with
 * {@code -e} (link-level header: VLAN tags, ethertypes), one line per frame.
 */
final class Tcpdump implements AutoCloseable {
    private final Lab lab;
    private final Process process;
    private final Path dir;
    private final Path pcap;
    private final Path log;

    private Tcpdump(Lab lab, Process process, Path dir, Path pcap, Path log) {
        this.lab = lab;
        this.process = process;
        this.dir = dir;
        this.pcap = pcap;
        this.log = log;
    }

    /** Starts capturing on {@code ns}/veth0 and waits (10 s at most) until tcpdump says it listens. */
    static Tcpdump capture(Lab lab, String ns) throws Exception {
        Path dir = Files.createTempDirectory("xk-tcpdump");
        Path pcap = dir.resolve("cap.pcap");
        Path log = dir.resolve("tcpdump.log");
        // -Z root: tcpdump would otherwise drop to user tcpdump, which cannot write into our temp dir
        Process p = lab.spawn(ns, log, "tcpdump", "-i", "veth0", "-n", "-U", "-Z", "root", "-w", pcap.toString());
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readString(log).contains("listening on")) {
                return new Tcpdump(lab, p, dir, pcap, log);
            }
            if (!p.isAlive()) {
                throw new IllegalStateException("tcpdump died: " + Files.readString(log));
            }
            Thread.sleep(20);
        }
        p.destroyForcibly();
        throw new IllegalStateException("tcpdump did not start listening: " + Files.readString(log));
    }

    /** Every frame captured so far, as {@code tcpdump -nn -e -r} prints it (one line each). */
    List<String> lines() {
        if (!Files.exists(pcap)) {
            return List.of();
        }
        // a file still being written may end in half a record: tcpdump then says so on stderr, not an error here
        String out = lab.exec(null, "tcpdump", "-nn", "-e", "-r", pcap.toString()).stdout();
        return out.lines().filter(l -> !l.isBlank() && !l.startsWith("\t")).toList();
    }

    /** Waits (up to {@code millis}) until {@code count} captured lines satisfy {@code p}; returns all lines. */
    List<String> awaitLines(Predicate<String> p, int count, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        List<String> l = lines();
        while (l.stream().filter(p).count() < count && System.nanoTime() < deadline) {
            Thread.sleep(50);
            l = lines();
        }
        return l;
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        Files.deleteIfExists(pcap);
        Files.deleteIfExists(log);
        Files.deleteIfExists(dir);
    }
}
