package expkt.codec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the independent tools (tshark, text2pcap, Scapy) as processes; their output is the oracle. */
final class ExternalTools {
    /** Scapy is packaged for Debian's own python3; a python3 of another install may lack it. */
    static final String PYTHON = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";

    private ExternalTools() {
    }

    /** Runs {@code command}; returns its stdout, throwing with stderr if it fails. */
    static String run(List<String> command, Path dir) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
        Path err = dir.resolve("stderr-" + System.nanoTime() + ".txt");
        pb.redirectError(err.toFile());
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(command + " did not end within 60 s");
        }
        String stderr = Files.readString(err);
        if (p.exitValue() != 0) {
            throw new IOException(command + " exited " + p.exitValue() + ": " + stderr);
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    /**
     * Runs tshark on {@code capture} with checksum validation on and returns one row per frame, one
     * cell per field (all occurrences joined with ',', empty if absent).
     */
    static List<String[]> tsharkFields(Path capture, List<String> fields) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("tshark", "-n", "-r", capture.toString(),
                "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
                // decode a first fragment's transport header as our decoder does, instead of waiting for reassembly
                "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE",
                "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,"));
        for (String f : fields) {
            cmd.add("-e");
            cmd.add(f);
        }
        String out = run(cmd, capture.getParent());
        List<String[]> rows = new ArrayList<>();
        for (String line : out.split("\n", -1)) {
            if (line.isEmpty()) {
                continue;
            }
            String[] cells = line.split("\t", -1);
            if (cells.length != fields.size()) {
                throw new IOException("tshark row has " + cells.length + " cells for " + fields.size() + " fields: " + line);
            }
            rows.add(cells);
        }
        return rows;
    }
}
