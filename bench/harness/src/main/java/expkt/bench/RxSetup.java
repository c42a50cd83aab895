package expkt.bench;

import expkt.lab.Lab;
import java.io.PrintStream;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The receive lab: host namespace {@code h1} (the generator, on {@code veth0}) linked to switch port
 * {@code p1} of the switch namespace (the receivers).
 *
 * <ul>
 * <li>Setup A, plain veth: the kernel's receive work for p1 runs on the sender's CPU, the receiver
 *     has the other CPU to itself; the generator is the limit, what compares is CPU per frame.
 * <li>Setup B, threaded NAPI: GRO on p1 gives the veth a NAPI instance, {@code threaded=1} moves it
 *     into a {@code napi/p1-<id>} kthread, pinned to the receiver's CPU: like a NIC whose interrupt
 *     work lands on the app's core. Slow receivers drop here.
 * </ul>
 */
final class RxSetup implements AutoCloseable {
    final Lab lab;
    final String sw;
    final String host;
    final String hostMac;
    final boolean napi;
    final long napiThread;

    private RxSetup(Lab lab, boolean napi, long napiThread) {
        this.lab = lab;
        this.sw = lab.switchNs();
        this.host = lab.host(1).ns();
        this.hostMac = lab.host(1).mac();
        this.napi = napi;
        this.napiThread = napiThread;
    }

    static RxSetup plain() {
        return new RxSetup(Lab.builder().ports(1).build(), false, -1);
    }

    /** Setup B, with p1's NAPI kthread pinned to {@code cpu}. */
    static RxSetup threadedNapi(int cpu, PrintStream log) {
        Lab lab = Lab.builder().ports(1).build();
        try {
            String sw = lab.switchNs();
            Set<Long> before = napiThreads("p1");
            lab.exec(sw, "ethtool", "-K", "p1", "gro", "on").check();
            lab.exec(sw, "sh", "-c", "echo 1 > /sys/class/net/p1/threaded").check();
            Set<Long> after = napiThreads("p1");
            after.removeAll(before);
            if (after.size() != 1) {
                throw new BenchException("expected one new napi/p1-* kthread after enabling threaded NAPI, found " + after);
            }
            long tid = after.iterator().next();
            lab.exec(null, "taskset", "-pc", Integer.toString(cpu), Long.toString(tid)).check();
            if (log != null) {
                log.printf("  threaded NAPI on %s/p1: kthread %d pinned to CPU %d%n", sw, tid, cpu);
            }
            return new RxSetup(lab, true, tid);
        } catch (RuntimeException e) {
            lab.close();
            throw e;
        }
    }

    /**
     * Pids of {@code napi/<dev>-*} kthreads. The name carries no namespace, and other labs may have a
     * p1 too: the new one is found by difference, before and after enabling it.
     */
    private static Set<Long> napiThreads(String dev) {
        Set<Long> out = new HashSet<>();
        ProcessHandle.allProcesses().forEach(ph -> {
            try {
                String comm = java.nio.file.Files.readString(java.nio.file.Path.of("/proc", Long.toString(ph.pid()), "comm")).strip();
                if (comm.startsWith("napi/" + dev + "-")) {
                    out.add(ph.pid());
                }
            } catch (java.io.IOException | RuntimeException gone) {
                // process ended
            }
        });
        return out;
    }

    List<String> describe() {
        return List.of(sw, host);
    }

    @Override
    public void close() {
        lab.close();
    }
}
