package expkt.provider;

import expkt.lab.Lab;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** tshark as the independent decoder: a capture in a host namespace, then its fields, one line per frame. */
final class Tshark implements AutoCloseable {
    private final Lab lab;
    private final Process process;
    private final Path pcap;
    private final Path log;

    private Tshark(Lab lab, Process process, Path pcap, Path log) {
        this.lab = lab;
        this.process = process;
        this.pcap = pcap;
        this.log = log;
    }

    /** Starts capturing on {@code ns}/veth0 and waits until tshark says it is capturing. */
    static Tshark capture(Lab lab, String ns) throws Exception {
        Path dir = Files.createTempDirectory("xk-tshark");
        Path pcap = dir.resolve("cap.pcapng");
        Path log = dir.resolve("tshark.log");
        // tshark refuses to write as root into a directory it does not own unless told where: -w with a path is fine
        Process p = lab.spawn(ns, log, "tshark", "-n", "-i", "veth0", "-w", pcap.toString());
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readString(log).contains("Capturing on")) {
                Thread.sleep(200);
                return new Tshark(lab, p, pcap, log);
            }
            if (!p.isAlive()) {
                throw new IllegalStateException("tshark died: " + Files.readString(log));
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("tshark did not start capturing: " + Files.readString(log));
    }

    /**
     * Waits (10 s at most) until the capture holds at least one frame matching {@code displayFilter},
     * then stops it and returns {@code -T fields} lines for these fields (tab separated). Every caller
     * expects frames: waiting on them, not on a fixed pause, is what makes the read complete.
     */
    List<String> stopAndRead(String displayFilter, String... fields) throws Exception {
        return stopAndRead(1, displayFilter, fields);
    }

    /** As {@link #stopAndRead(String, String...)}, waiting for {@code atLeast} matching frames. */
    List<String> stopAndRead(int atLeast, String displayFilter, String... fields) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline && read(displayFilter, fields, false).size() < atLeast) {
            Thread.onSpinWait();
        }
        process.destroy();
        process.waitFor();
        return read(displayFilter, fields, true);
    }

    private List<String> read(String displayFilter, String[] fields, boolean check) throws Exception {
        if (!Files.exists(pcap)) {
            return List.of();
        }
        List<String> cmd = new java.util.ArrayList<>(List.of("tshark", "-n", "-r", pcap.toString()));
        if (displayFilter != null) {
            cmd.add("-Y");
            cmd.add(displayFilter);
        }
        cmd.add("-T");
        cmd.add("fields");
        for (String f : fields) {
            cmd.add("-e");
            cmd.add(f);
        }
        var result = lab.exec(null, cmd.toArray(String[]::new));
        // while dumpcap writes, the file may end in the middle of a frame: tshark says so and exits 2
        String out = check ? result.check().stdout() : result.stdout();
        return out.lines().filter(l -> !l.isBlank()).toList();
    }

    @Override
    public void close() throws java.io.IOException {
        process.destroyForcibly();
        Files.deleteIfExists(pcap);
        Files.deleteIfExists(log);
        Files.deleteIfExists(pcap.getParent());
    }
}
