package expkt.lab;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A throwaway data plane built of network namespaces:
 *
 * <pre>
 *   [prefix-h1] veth0 ──── p1 ┐
 *   [prefix-h2] veth0 ──── p2 ├ [prefix-sw]  (optional bridge br0 joining p1..pN)
 *   [prefix-hN] veth0 ──── pN ┘
 * </pre>
 *
 * Interfaces are created in port order, so in the switch namespace p1..pN have increasing ifindex
 * (the provider's default numbering makes them 1:1..1:N). Extra namespaces ({@link #namespace}) and
 * links ({@link #link}) build virtual routers and anything else a test needs; they are owned by the
 * lab and removed with it.
 *
 * <p>Names: a test lab's prefix is {@code xk<pid>n<seq>}, so a lab left behind by a killed JVM is
 * recognised by {@link #cleanStale()} (its pid is gone) and removed at the next start. A named lab
 * ({@link Builder#named(String)}, used by {@code ./expkt lab up}) has the prefix {@code xkl<name>} and
 * stays until {@code down}.
 *
 * <p>Threading: a lab is built and closed by one thread; {@link #exec} may be called from any thread.
 */
public final class Lab implements AutoCloseable {
    /** Namespaces of test labs: {@code xk<pid>n<seq>-<role>}. */
    private static final Pattern TEST_NS = Pattern.compile("xk(\\d+)n\\d+-.*");
    private static final AtomicInteger SEQ = new AtomicInteger();

    private final String prefix;
    private final List<String> namespaces = Collections.synchronizedList(new ArrayList<>());
    private final List<Host> hosts = new ArrayList<>();
    private final List<Process> processes = Collections.synchronizedList(new ArrayList<>());
    private final boolean bridged;
    private final boolean ipv6;
    /** False for a {@link #view}: its close() leaves the lab's namespaces to their owner. */
    private final boolean owner;
    private final Thread shutdownHook;
    private volatile boolean closed;

    private Lab(String prefix, boolean bridged, boolean ipv6, boolean hook) {
        this(prefix, bridged, ipv6, hook, true);
    }

    private Lab(String prefix, boolean bridged, boolean ipv6, boolean hook, boolean owner) {
        this.prefix = prefix;
        this.bridged = bridged;
        this.ipv6 = ipv6;
        this.owner = owner;
        this.shutdownHook = hook ? new Thread(this::removeAll, "lab-cleanup-" + prefix) : null;
        if (shutdownHook != null) {
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** How a lab is to be built. */
    public static final class Builder {
        private int ports = 2;
        private boolean bridge;
        private boolean ipv6;
        private String name;

        private Builder() {
        }

        /** Number of switch ports, each with a host namespace (default 2). */
        public Builder ports(int ports) {
            if (ports < 0 || ports > 64) {
                throw new IllegalArgumentException("lab port count " + ports + " is outside 0..64");
            }
            this.ports = ports;
            return this;
        }

        /** A Linux bridge br0 in the switch namespace joining every port, so frames are forwarded. */
        public Builder bridge(boolean bridge) {
            this.bridge = bridge;
            return this;
        }

        /**
         * Keep IPv6 on in the lab's namespaces (off by default: router solicitations, MLD and DAD
         * frames would otherwise appear on every link).
         */
        public Builder ipv6(boolean ipv6) {
            this.ipv6 = ipv6;
            return this;
        }

        /** A persistent lab named for the shell ({@code ./expkt lab up}): no shutdown hook, no stale cleanup. */
        public Builder named(String name) {
            if (name == null || !name.matches("[a-z0-9]{1,10}")) {
                throw new IllegalArgumentException("lab name \"" + name + "\" must be 1..10 of [a-z0-9]");
            }
            this.name = name;
            return this;
        }

        /** Builds the lab; on failure whatever was made is removed again. */
        public Lab build() {
            String prefix = name != null ? "xkl" + name : "xk" + ProcessHandle.current().pid() + "n" + SEQ.incrementAndGet();
            if (name != null && exists(prefix + "-sw")) {
                throw new LabException("lab \"" + name + "\" is already up (namespace " + prefix + "-sw exists)");
            }
            Lab lab = new Lab(prefix, bridge, ipv6, name == null);
            try {
                lab.create(ports);
                return lab;
            } catch (RuntimeException e) {
                lab.close();
                throw e;
            }
        }
    }

    private void create(int ports) {
        String sw = namespace("sw");
        for (int i = 1; i <= ports; i++) {
            String h = namespace("h" + i);
            link(sw, "p" + i, h, "veth0");
            hosts.add(new Host(i, h, "veth0", mac(h, "veth0"), "p" + i, mac(sw, "p" + i)));
        }
        if (bridged) {
            exec(sw, "ip", "link", "add", "br0", "type", "bridge", "stp_state", "0", "forward_delay", "0").check();
            for (int i = 1; i <= ports; i++) {
                exec(sw, "ip", "link", "set", "p" + i, "master", "br0").check();
            }
            exec(sw, "ip", "link", "set", "br0", "up").check();
        }
    }

    /** Attaches to a named lab made by another process ({@code ./expkt lab up}), to use or remove it. */
    public static Lab attach(String name) {
        if (name == null || !name.matches("[a-z0-9]{1,10}")) {
            throw new IllegalArgumentException("lab name \"" + name + "\" must be 1..10 of [a-z0-9]");
        }
        String prefix = "xkl" + name;
        if (!exists(prefix + "-sw")) {
            throw new LabException("no lab \"" + name + "\" is up (no namespace " + prefix + "-sw)");
        }
        return rebuild(prefix, true);
    }

    /**
     * A view of a lab that something else owns and will remove: the Pax Exam driver that made it for a
     * test class (the test probe gets the prefix as framework property {@code expkt.lab.prefix}), or
     * another process. A view runs commands, spawns processes and creates namespaces (named with the
     * lab's prefix, so the owner removes them with the lab); its {@link #close()} stops only the
     * processes it spawned and deletes only the namespaces it created itself.
     */
    public static Lab view(String prefix) {
        if (prefix == null || !prefix.matches("xk[a-z0-9]{1,20}")) {
            throw new IllegalArgumentException("lab prefix \"" + prefix + "\" is not a lab prefix (xk + 1..20 of [a-z0-9])");
        }
        if (!exists(prefix + "-sw")) {
            throw new LabException("no lab with prefix " + prefix + " is up (no namespace " + prefix + "-sw)");
        }
        return rebuild(prefix, false);
    }

    private static Lab rebuild(String prefix, boolean owner) {
        String sw = prefix + "-sw";
        boolean bridged = Exec.run(10_000, Exec.inNs(sw, "ip", "link", "show", "br0")).ok();
        Lab lab = new Lab(prefix, bridged, false, false, owner);
        if (owner) {
            for (String ns : listNamespaces()) {
                if (ns.startsWith(prefix + "-")) {
                    lab.namespaces.add(ns);
                }
            }
        }
        for (int i = 1; exists(prefix + "-h" + i); i++) {
            String h = prefix + "-h" + i;
            lab.hosts.add(new Host(i, h, "veth0", lab.mac(h, "veth0"), "p" + i, lab.mac(sw, "p" + i)));
        }
        return lab;
    }

    public String prefix() {
        return prefix;
    }

    /** The switch namespace: the data plane whose interfaces are the ports. */
    public String switchNs() {
        return prefix + "-sw";
    }

    public boolean bridged() {
        return bridged;
    }

    public List<Host> hosts() {
        return List.copyOf(hosts);
    }

    /** Host {@code i} (1-based), on port {@code p<i>}. */
    public Host host(int i) {
        if (i < 1 || i > hosts.size()) {
            throw new IllegalArgumentException("lab " + prefix + " has hosts 1.." + hosts.size() + ", not " + i);
        }
        return hosts.get(i - 1);
    }

    /** Every namespace this lab made, in creation order. */
    public List<String> namespaces() {
        synchronized (namespaces) {
            return List.copyOf(namespaces);
        }
    }

    /** Creates namespace {@code <prefix>-<role>} with loopback up, owned by this lab; returns its name. */
    public String namespace(String role) {
        if (role == null || !role.matches("[a-z0-9]{1,12}")) {
            throw new IllegalArgumentException("namespace role \"" + role + "\" must be 1..12 of [a-z0-9]");
        }
        checkOpen();
        String ns = prefix + "-" + role;
        Exec.run("ip", "netns", "add", ns).check();
        namespaces.add(ns);
        exec(ns, "ip", "link", "set", "lo", "up").check();
        if (!ipv6) {
            exec(ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1").check();
        }
        return ns;
    }

    /** A veth pair {@code nsA/ifA} — {@code nsB/ifB}, both ends up. */
    public void link(String nsA, String ifA, String nsB, String ifB) {
        checkOpen();
        checkIfName(ifA);
        checkIfName(ifB);
        Exec.run("ip", "link", "add", ifA, "netns", nsA, "type", "veth", "peer", "name", ifB, "netns", nsB).check();
        exec(nsA, "ip", "link", "set", ifA, "up").check();
        exec(nsB, "ip", "link", "set", ifB, "up").check();
    }

    /** Adds an address ({@code 10.0.0.1/24} or an IPv6 one) to {@code ns/ifName}. */
    public void addr(String ns, String ifName, String cidr) {
        exec(ns, "ip", "addr", "add", cidr, "dev", ifName).check();
    }

    /** Runs a command in {@code ns} (null: where this JVM is) and waits up to 30 s. */
    public Exec.Result exec(String ns, String... command) {
        return Exec.run(30_000, Exec.inNs(ns, command));
    }

    /**
     * Starts a long-running command in {@code ns} (a peer daemon, a capture); the lab destroys it on
     * close if it is still running. Its output goes to {@code log} (appended) when given.
     */
    public Process spawn(String ns, Path log, String... command) {
        checkOpen();
        ProcessBuilder pb = new ProcessBuilder(Exec.inNs(ns, command));
        if (log != null) {
            pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        } else {
            pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        }
        try {
            Process p = pb.start();
            processes.add(p);
            return p;
        } catch (java.io.IOException e) {
            throw new LabException("cannot start " + String.join(" ", command) + " in " + ns + ": " + e.getMessage(), e);
        }
    }

    /**
     * Starts a command in {@code ns} that shares this JVM's standard input, output and error (the
     * host of {@code ./expkt demo}), with extra environment variables. Like {@link #spawn}, the lab
     * stops it on close: SIGTERM first, SIGKILL after 3 s.
     */
    public Process spawnAttached(String ns, java.util.Map<String, String> env, String... command) {
        checkOpen();
        ProcessBuilder pb = new ProcessBuilder(Exec.inNs(ns, command)).inheritIO();
        pb.environment().putAll(env);
        try {
            Process p = pb.start();
            processes.add(p);
            return p;
        } catch (java.io.IOException e) {
            throw new LabException("cannot start " + String.join(" ", command) + " in " + ns + ": " + e.getMessage(), e);
        }
    }

    /** The MAC address of {@code ns/ifName}. */
    public String mac(String ns, String ifName) {
        String out = exec(ns, "cat", "/sys/class/net/" + ifName + "/address").check().stdout().strip();
        return out.toLowerCase(Locale.ROOT);
    }

    private static void checkIfName(String ifName) {
        if (ifName == null || ifName.isEmpty() || ifName.length() > 15 || !ifName.matches("[A-Za-z0-9_.-]+")) {
            throw new IllegalArgumentException("interface name \"" + ifName + "\" must be 1..15 of [A-Za-z0-9_.-]");
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("lab " + prefix + " is closed");
        }
    }

    /** Removes every process and namespace of this lab. Idempotent; never throws. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        removeAll();
        if (shutdownHook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException ignored) {
                // the JVM is already shutting down: the hook runs (or ran) removeAll itself
            }
        }
    }

    private void removeAll() {
        closed = true;
        synchronized (processes) {
            for (Process p : processes) {
                p.descendants().forEach(ProcessHandle::destroy);
                p.destroy();
            }
            for (Process p : processes) {
                try {
                    if (!p.waitFor(3, TimeUnit.SECONDS)) {
                        p.descendants().forEach(ProcessHandle::destroyForcibly);
                        p.destroyForcibly();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            processes.clear();
        }
        List<String> all;
        synchronized (namespaces) {
            all = new ArrayList<>(namespaces);
            namespaces.clear();
        }
        // Also anything named with our prefix that a test made by hand (not for a view: the owner does that).
        for (String ns : owner ? listNamespaces() : List.<String>of()) {
            if (ns.startsWith(prefix + "-") && !all.contains(ns)) {
                all.add(ns);
            }
        }
        Collections.reverse(all);
        for (String ns : all) {
            deleteNamespace(ns);
        }
    }

    /** Deletes a namespace, first killing processes still inside it (they would keep it alive). */
    static void deleteNamespace(String ns) {
        Exec.Result pids = Exec.run(10_000, List.of("ip", "netns", "pids", ns));
        if (pids.ok()) {
            for (String pid : pids.stdout().split("\\s+")) {
                if (!pid.isBlank()) {
                    ProcessHandle.of(Long.parseLong(pid.strip())).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
        }
        Exec.run(10_000, List.of("ip", "netns", "del", ns));
    }

    /** Names of every namespace {@code ip netns} knows. */
    public static List<String> listNamespaces() {
        Exec.Result r = Exec.run(10_000, List.of("ip", "netns", "list"));
        List<String> names = new ArrayList<>();
        if (!r.ok()) {
            return names;
        }
        for (String line : r.stdout().split("\n")) {
            String s = line.strip();
            if (!s.isEmpty()) {
                names.add(s.split("\\s+")[0]);
            }
        }
        return names;
    }

    static boolean exists(String ns) {
        return listNamespaces().contains(ns);
    }

    /**
     * Removes the namespaces of test labs whose process is gone (a JVM killed before its shutdown
     * hook ran). Returns how many were removed.
     */
    public static int cleanStale() {
        int removed = 0;
        for (String ns : listNamespaces()) {
            Matcher m = TEST_NS.matcher(ns);
            if (m.matches()) {
                long pid = Long.parseLong(m.group(1));
                if (pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) == false) {
                    deleteNamespace(ns);
                    removed++;
                }
            }
        }
        return removed;
    }

    @Override
    public String toString() {
        return "lab " + prefix + " (" + hosts.size() + " ports" + (bridged ? ", bridged" : "") + ")";
    }
}
