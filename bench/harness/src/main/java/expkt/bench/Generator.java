package expkt.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sends a bounded burst of frames that alternate between matching the benchmark filter (ethertype
 * 0x0842 to 00:e0:2b:00:00:00) and not (0x88b5 to the same address), as fast as it goes. Half of
 * every even-sized burst matches.
 */
interface Generator {

    /** What a burst took: frames handed to the kernel, and the sender's own duration of the burst. */
    record Burst(long frames, long nanos) {
        double pps() {
            return frames * 1e9 / nanos;
        }
    }

    String name();

    Burst send(long frames);

    /**
     * trafgen (netsniff-ng): TX ring with the qdisc bypassed, one process pinned to one CPU. Its own
     * summary ("S sec, U usec on CPUn") gives the burst's duration without the process start-up.
     */
    final class Trafgen implements Generator {
        private static final Pattern SENT = Pattern.compile("(\\d+) packets outgoing");
        private static final Pattern TIME = Pattern.compile("(\\d+) sec, (\\d+) usec on CPU");
        private final String ns;
        private final String ifName;
        private final int cpu;
        private final Path config;
        private final PrintStream log;
        private final String rate;

        Trafgen(String ns, String ifName, String srcMac, int frameLength, int cpu, Path workDir, PrintStream log) {
            this(ns, ifName, srcMac, frameLength, cpu, workDir, log, null);
        }

        /** {@code rate}: trafgen's {@code -b} (e.g. "100000pps"), or null for as fast as it goes. */
        Trafgen(String ns, String ifName, String srcMac, int frameLength, int cpu, Path workDir, PrintStream log, String rate) {
            this(ns, ifName, srcMac, "00:e0:2b:00:00:00", new int[] {0x0842, 0x88b5}, frameLength, cpu, workDir, log, rate);
        }

        /**
         * Frames to {@code dstMac}, one per ethertype of {@code ethertypes} in turn (the forward
         * workload: 0x88b5 only, to the far host, matching no filter).
         */
        Trafgen(String ns, String ifName, String srcMac, String dstMac, int[] ethertypes, int frameLength, int cpu, Path workDir,
                PrintStream log, String rate) {
            this(ns, ifName, cpu, workDir.resolve("trafgen-" + frameLength + "-" + dstMac.replace(":", "") + "-" + ethertypes.length + ".cfg"),
                    rawFrames(srcMac, dstMac, ethertypes, frameLength), log, rate);
        }

        private Trafgen(String ns, String ifName, int cpu, Path config, String frames, PrintStream log, String rate) {
            this.ns = ns;
            this.ifName = ifName;
            this.cpu = cpu;
            this.log = log;
            this.rate = rate;
            this.config = config;
            try {
                Files.writeString(config, frames);
            } catch (IOException e) {
                throw new BenchException("cannot write " + config + ": " + e.getMessage(), e);
            }
        }

        private static String rawFrames(String srcMac, String dstMac, int[] ethertypes, int frameLength) {
            String src = "0x" + srcMac.replace(":", ", 0x");
            String dst = "0x" + dstMac.replace(":", ", 0x");
            int fill = frameLength - 14;
            StringBuilder cfg = new StringBuilder();
            for (int et : ethertypes) {
                cfg.append("{ ").append(dst).append(", ").append(src).append(", c16(0x").append(Integer.toHexString(et))
                        .append("), fill(0x00, ").append(fill).append(") }\n");
            }
            return cfg.toString();
        }

        /**
         * The same alternating 60-byte frames, each matching one numbered: after the Ethernet header
         * (ethertype 0x0842 kept), an ARP body whose sender protocol address is trafgen's 32-bit
         * runtime counter {@code dinc(1, 100000000, 1)}, i.e. frame offset 28 holds 1, 2, 3, ... (big
         * endian) in the order trafgen sends them. The number is not in the source MAC (the provider
         * learns source MACs into its FDB) nor in the filter's fields. ARP carries no checksum, so
         * trafgen rewrites only the 4 bytes per frame.
         */
        static Trafgen sequenced(String ns, String ifName, String srcMac, int cpu, Path workDir, PrintStream log, String rate) {
            String dst = "00:e0:2b:00:00:00";
            String frames = "{ eth(da=" + dst + ", sa=" + srcMac + ", type=0x0842), arp(spa=dinc(1, 100000000, 1)), fill(0x00, 18) }\n"
                    + rawFrames(srcMac, dst, new int[] {0x88b5}, 60);
            return new Trafgen(ns, ifName, cpu, workDir.resolve("trafgen-60-seq.cfg"), frames, log, rate);
        }

        @Override
        public String name() {
            return "trafgen";
        }

        @Override
        public Burst send(long frames) {
            List<String> cmd = new java.util.ArrayList<>(List.of("trafgen", "-o", ifName, "-i", config.toString(),
                    "-n", Long.toString(frames), "-P", "1", "-Q"));
            if (rate != null) {
                cmd.addAll(List.of("-b", rate));
            }
            long t0 = System.nanoTime();
            try (Spawned p = Spawned.start("trafgen", ns, cpu, cmd, null)) {
                int rc = p.waitFor(600_000);
                long wall = System.nanoTime() - t0;
                if (rc != 0) {
                    throw new BenchException("trafgen exited with " + rc + ": " + p.tail());
                }
                Matcher sent = p.await(SENT, false, 2_000);
                long n = Long.parseLong(sent.group(1));
                long nanos = wall;
                try {
                    Matcher t = p.await(TIME, false, 1_000);
                    nanos = Long.parseLong(t.group(1)) * 1_000_000_000L + Long.parseLong(t.group(2)) * 1_000L;
                } catch (BenchException noSummary) {
                    // fall back to the wall time around the process
                }
                if (log != null) {
                    log.printf("    trafgen: %d frames in %.3f s (%.0f pps)%n", n, nanos / 1e9, n * 1e9 / nanos);
                }
                return new Burst(n, Math.max(1, nanos));
            }
        }
    }

    /** bench/c/txring.c: a TPACKET_V2 TX ring through the qdisc (setup B, where trafgen aborts). */
    final class TxRing implements Generator {
        private static final Pattern DONE = Pattern.compile("sent=(\\d+) ns=(\\d+)");
        private final String binary;
        private final String ns;
        private final String ifName;
        private final int frameLength;
        private final int cpu;
        private final PrintStream log;
        private final int flows;

        TxRing(Native natives, String ns, String ifName, int frameLength, int cpu, PrintStream log) {
            this(natives, ns, ifName, frameLength, cpu, 0, log);
        }

        /** {@code flows} &gt; 0: the matching frames are IPv4/UDP of that many flows (see txring.c). */
        TxRing(Native natives, String ns, String ifName, int frameLength, int cpu, int flows, PrintStream log) {
            this.binary = natives.path("txring");
            this.ns = ns;
            this.ifName = ifName;
            this.frameLength = frameLength;
            this.cpu = cpu;
            this.flows = flows;
            this.log = log;
        }

        @Override
        public String name() {
            return "c-txring";
        }

        @Override
        public Burst send(long frames) {
            try (Spawned p = Spawned.start("txring", ns, cpu,
                    List.of(binary, ifName, Long.toString(frames), Integer.toString(frameLength), "0", Integer.toString(flows)), null)) {
                Matcher m = p.await(DONE, false, 600_000);
                Burst b = new Burst(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)));
                if (log != null) {
                    log.printf("    c-txring: %d frames in %.3f s (%.0f pps)%n", b.frames(), b.nanos() / 1e9, b.pps());
                }
                return b;
            }
        }
    }
}
