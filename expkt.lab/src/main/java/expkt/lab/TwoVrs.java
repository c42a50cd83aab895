package expkt.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Two virtual routers that use the same subnet, each with a host of its own behind it:
 *
 * <pre>
 *   [prefix-vra] v0 10.0.0.1/24 ──── h0 hostA address [prefix-hosta]
 *   [prefix-vrb] v0 10.0.0.1/24 ──── h0 hostB address [prefix-hostb]
 *   [prefix-mgmt]  for VR-Mgmt and VR-Control      [prefix-dflt]  for VR-Default
 * </pre>
 *
 * A test configures VR-A (id {@value #VR_A_ID}) in {@link #vra()} and VR-B (id {@value #VR_B_ID})
 * in {@link #vrb()}, and the built-in VRs in {@link #mgmt()} / {@link #dflt()}, so nothing touches
 * the namespace the JVM runs in. With the same host address behind both ({@link Topologies#twoVrs()})
 * a reply says which VR a socket reached only through what the host answers (the
 * {@link #startEchoServers echo servers} prefix their tag); with different ones
 * ({@link Topologies#twoVrs(Lab, String, String)}) an address of one VR is unreachable from the other.
 *
 * <p>The namespaces belong to the lab: they go with it. {@link #close()} closes the lab when the
 * topology made it ({@link Topologies#twoVrs()}), and does nothing when it was built in a lab the
 * caller owns. Threading: built and closed by one thread; the getters are safe from any thread.
 */
public final class TwoVrs implements AutoCloseable {
    public static final String VR_A = "VR-A";
    public static final String VR_B = "VR-B";
    public static final int VR_A_ID = 10;
    public static final int VR_B_ID = 11;
    /** The VR side of both links. */
    public static final String VR_ADDRESS = "10.0.0.1";
    /** UDP and TCP port of the echo servers. */
    public static final int ECHO_PORT = 7007;

    /**
     * A UDP + TCP echo server on {@value #ECHO_PORT} that answers {@code <tag>:<what came>}, prints
     * "ready" once both sockets are bound.
     */
    static final String ECHO_SERVER = String.join("\n",
            "import select, socket, sys",
            "tag = sys.argv[1].encode()",
            "u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
            "u.bind(('0.0.0.0', 7007))",
            "t = socket.socket()",
            "t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
            "t.bind(('0.0.0.0', 7007))",
            "t.listen(16)",
            "print('ready', flush=True)",
            "while True:",
            "    r, _, _ = select.select([u, t], [], [])",
            "    for s in r:",
            "        if s is u:",
            "            d, a = u.recvfrom(2048)",
            "            u.sendto(tag + b':' + d, a)",
            "        else:",
            "            c, a = t.accept()",
            "            d = c.recv(2048)",
            "            c.sendall(tag + b':' + d)",
            "            c.close()");

    private final Lab lab;
    private final boolean ownsLab;
    private final String mgmt;
    private final String dflt;
    private final String vra;
    private final String vrb;
    private final String hostA;
    private final String hostB;
    private final String hostAAddress;
    private final String hostBAddress;

    TwoVrs(Lab lab, boolean ownsLab, String hostAAddress, String hostBAddress) {
        checkAddress(hostAAddress);
        checkAddress(hostBAddress);
        this.lab = lab;
        this.ownsLab = ownsLab;
        this.hostAAddress = hostAAddress;
        this.hostBAddress = hostBAddress;
        mgmt = lab.namespace("mgmt");
        dflt = lab.namespace("dflt");
        vra = lab.namespace("vra");
        vrb = lab.namespace("vrb");
        hostA = lab.namespace("hosta");
        hostB = lab.namespace("hostb");
        lab.link(vra, "v0", hostA, "h0");
        lab.link(vrb, "v0", hostB, "h0");
        lab.addr(vra, "v0", VR_ADDRESS + "/24");
        lab.addr(hostA, "h0", hostAAddress + "/24");
        lab.addr(vrb, "v0", VR_ADDRESS + "/24");
        lab.addr(hostB, "h0", hostBAddress + "/24");
    }

    private static void checkAddress(String a) {
        if (a == null || !a.matches("10\\.0\\.0\\.(\\d{1,3})") || a.equals(VR_ADDRESS)
                || Integer.parseInt(a.substring(a.lastIndexOf('.') + 1)) < 2 || Integer.parseInt(a.substring(a.lastIndexOf('.') + 1)) > 254) {
            throw new IllegalArgumentException("host address \"" + a + "\" must be in 10.0.0.2..10.0.0.254 (10.0.0.1 is the VR side)");
        }
    }

    public Lab lab() {
        return lab;
    }

    /** The namespace for VR-Mgmt and VR-Control. */
    public String mgmt() {
        return mgmt;
    }

    /** The namespace for VR-Default. */
    public String dflt() {
        return dflt;
    }

    /** VR-A's namespace: interface v0, {@value #VR_ADDRESS}/24. */
    public String vra() {
        return vra;
    }

    /** VR-B's namespace: interface v0, {@value #VR_ADDRESS}/24. */
    public String vrb() {
        return vrb;
    }

    /** The host behind VR-A: interface h0, {@link #hostAAddress()}/24. */
    public String hostA() {
        return hostA;
    }

    /** The host behind VR-B: interface h0, {@link #hostBAddress()}/24. */
    public String hostB() {
        return hostB;
    }

    public String hostAAddress() {
        return hostAAddress;
    }

    public String hostBAddress() {
        return hostBAddress;
    }

    /**
     * Starts a UDP + TCP echo server on port {@value #ECHO_PORT} in each host, answering
     * {@code A:<what came>} behind VR-A and {@code B:<what came>} behind VR-B, and returns once both
     * listen. Their output goes to {@code echo-a.log} / {@code echo-b.log} in {@code logDir}; the lab
     * stops them when it closes.
     *
     * @throws LabException naming the log when a server is not listening within 10 s
     */
    public void startEchoServers(Path logDir) {
        try {
            Files.createDirectories(logDir);
            Path la = logDir.resolve(lab.prefix() + "-echo-a.log");
            Path lb = logDir.resolve(lab.prefix() + "-echo-b.log");
            Files.deleteIfExists(la);
            Files.deleteIfExists(lb);
            lab.spawn(hostA, la, "python3", "-u", "-c", ECHO_SERVER, "A");
            lab.spawn(hostB, lb, "python3", "-u", "-c", ECHO_SERVER, "B");
            awaitLine(la, "ready");
            awaitLine(lb, "ready");
        } catch (IOException e) {
            throw new UncheckedIOException("echo server logs in " + logDir, e);
        }
    }

    private static void awaitLine(Path log, String text) throws IOException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readString(log).contains(text)) {
                return;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LabException("interrupted waiting for the echo server of " + log, e);
            }
        }
        throw new LabException("echo server did not start within 10 s: " + (Files.exists(log) ? Files.readString(log) : "no " + log));
    }

    /** Closes the lab if {@link Topologies#twoVrs()} made it for this topology; else nothing (the lab's owner removes it). */
    @Override
    public void close() {
        if (ownsLab) {
            lab.close();
        }
    }

    @Override
    public String toString() {
        return "two VRs in " + lab.prefix() + ": " + VR_A + " " + vra + " (host " + hostAAddress + "), " + VR_B + " " + vrb
                + " (host " + hostBAddress + ")";
    }
}
