package expkt.lab;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The lab from the shell ({@code ./expkt lab ...}, {@code ./expkt demo}). Needs root, or the user
 * namespace {@code ./expkt} re-executes itself in.
 *
 * <pre>
 * up     [--name N] [--ports N] [--bridge]   a named lab that stays until down
 * down   [--name N]                          removes a named lab
 * status                                     every lab on this machine, its namespaces and ports
 * clean                                      removes labs of processes that are gone
 * run    [--ports N] [--bridge] -- CMD...    a throwaway lab for the time CMD runs in its switch
 *                                            namespace (env EXPKT_LAB_PREFIX, EXPKT_LAB_SWITCH);
 *                                            exits with CMD's code; the lab goes also on Ctrl-C/kill
 * </pre>
 */
public final class LabMain {
    private LabMain() {
    }

    public static void main(String[] args) {
        try {
            System.exit(run(args));
        } catch (IllegalArgumentException | LabException e) {
            System.err.println("expkt lab: " + e.getMessage());
            System.exit(2);
        }
    }

    static int run(String[] args) {
        if (args.length == 0) {
            throw new IllegalArgumentException("usage: lab up|down|status|clean|run [options] (see ./expkt help)");
        }
        String command = args[0];
        List<String> rest = new ArrayList<>(Arrays.asList(args).subList(1, args.length));
        List<String> tail = List.of();
        int dashdash = rest.indexOf("--");
        if (dashdash >= 0) {
            tail = List.copyOf(rest.subList(dashdash + 1, rest.size()));
            rest = new ArrayList<>(rest.subList(0, dashdash));
        }
        Map<String, String> opts = options(rest);
        String name = opts.getOrDefault("name", "lab");
        switch (command) {
            case "up" -> {
                Lab.cleanStale();
                Lab lab = Lab.builder().named(name).ports(ports(opts)).bridge(opts.containsKey("bridge")).build();
                print(lab);
                return 0;
            }
            case "down" -> {
                Lab.attach(name).close();
                System.out.println("lab " + name + " removed");
                return 0;
            }
            case "status" -> {
                status();
                return 0;
            }
            case "clean" -> {
                System.out.println(Lab.cleanStale() + " stale namespaces removed");
                return 0;
            }
            case "run" -> {
                if (tail.isEmpty()) {
                    throw new IllegalArgumentException("lab run needs a command after --");
                }
                return runIn(opts, tail);
            }
            default -> throw new IllegalArgumentException("unknown lab command \"" + command + "\" (up, down, status, clean, run)");
        }
    }

    private static int runIn(Map<String, String> opts, List<String> command) {
        int removed = Lab.cleanStale();
        if (removed > 0) {
            System.out.println("[lab] removed " + removed + " namespaces of labs whose process is gone");
        }
        try (Lab lab = Lab.builder().ports(ports(opts)).bridge(opts.containsKey("bridge")).build()) {
            print(lab);
            Process p = lab.spawnAttached(lab.switchNs(),
                    Map.of("EXPKT_LAB_PREFIX", lab.prefix(), "EXPKT_LAB_SWITCH", lab.switchNs()),
                    command.toArray(String[]::new));
            int rc;
            try {
                rc = p.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                rc = 130;
            }
            System.out.println("[lab] " + lab.prefix() + ": command exited " + rc + ", removing the lab");
            return rc;
        }
    }

    private static int ports(Map<String, String> opts) {
        String p = opts.getOrDefault("ports", "2");
        try {
            return Integer.parseInt(p);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--ports \"" + p + "\" is not a number", e);
        }
    }

    private static Map<String, String> options(List<String> args) {
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "--bridge" -> opts.put("bridge", "true");
                case "--name", "--ports" -> {
                    if (i + 1 >= args.size()) {
                        throw new IllegalArgumentException(a + " needs a value");
                    }
                    opts.put(a.substring(2), args.get(++i));
                }
                default -> throw new IllegalArgumentException("unknown lab option \"" + a + "\"");
            }
        }
        return opts;
    }

    private static void print(Lab lab) {
        System.out.println("[lab] " + lab + ": switch namespace " + lab.switchNs());
        for (Host h : lab.hosts()) {
            System.out.println("[lab]   port " + h.switchIf() + " (" + h.switchMac() + ") -- " + h.ns() + "/" + h.ifName()
                    + " (" + h.mac() + ")");
        }
    }

    private static void status() {
        Map<String, List<String>> labs = new TreeMap<>();
        for (String ns : Lab.listNamespaces()) {
            int dash = ns.indexOf('-');
            if (ns.startsWith("xk") && dash > 0) {
                labs.computeIfAbsent(ns.substring(0, dash), k -> new ArrayList<>()).add(ns.substring(dash + 1));
            }
        }
        if (labs.isEmpty()) {
            System.out.println("no lab is up");
            return;
        }
        for (var e : labs.entrySet()) {
            String prefix = e.getKey();
            String kind = prefix.startsWith("xkl") ? "named lab \"" + prefix.substring(3) + "\"" : "lab of a run";
            System.out.println(prefix + " (" + kind + "): " + String.join(" ", e.getValue()));
            if (e.getValue().contains("sw")) {
                Exec.Result r = Exec.run(10_000, Exec.inNs(prefix + "-sw", "ip", "-br", "link"));
                for (String line : r.stdout().split("\n")) {
                    if (!line.isBlank()) {
                        System.out.println("    " + line.strip());
                    }
                }
            }
        }
    }
}
