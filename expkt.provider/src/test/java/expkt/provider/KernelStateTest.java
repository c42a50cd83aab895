package expkt.provider;

import expkt.api.packet.Filter;
import expkt.api.packet.FilterAction;
import expkt.lab.Deadlines;
import expkt.provider.core.ProviderLog;
import expkt.provider.core.VrScope;
import expkt.provider.dataplane.DataPlane;
import expkt.provider.socket.L2Engine;
import expkt.provider.socket.PacketSocketImpl;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The host owns its kernel state in the data-plane namespace: one host per data plane (the second
 * refuses, naming the first one's pid, and changes nothing); what a SIGKILLed host left (its nft table,
 * its capture links) is found, logged and replaced by the next start; {@code ./expkt clean} removes it
 * without a host, and refuses while a host runs there.
 */
class KernelStateTest extends L2ProviderTestBase {

    /** A ProviderLog that keeps what it was told (and still prints it). */
    static final class RecordingLog implements ProviderLog {
        final List<String> lines = new CopyOnWriteArrayList<>();
        private final ProviderLog out = ProviderLog.system("expkt.provider.test");

        @Override
        public void info(String message) {
            lines.add("INFO " + message);
            out.info(message);
        }

        @Override
        public void warn(String message, Throwable cause) {
            lines.add("WARN " + message + (cause == null ? "" : " " + cause));
            out.warn(message, cause);
        }

        @Override
        public void error(String message, Throwable cause) {
            lines.add("ERROR " + message + (cause == null ? "" : " " + cause));
            out.error(message, cause);
        }
    }

    private L2Engine second(ProviderLog log) throws Exception {
        DataPlane dp = new DataPlane(lab.switchNs(), "VR-Default", 2);
        try {
            return new L2Engine(dp, VrScope.single("VR-Default", 2), L2Engine.RingConfig.DEFAULT, log);
        } catch (Exception e) {
            dp.close();
            throw e;
        }
    }

    @Test
    void aSecondHostOnTheSameDataPlaneIsRefusedAndChangesNothing() throws Exception {
        engine();
        Wire h1 = wire(1);
        PacketSocketImpl s = engine.open(OWNER);
        s.setupFilter(Filter.named("first-drop").ethertype(0x88b5).action(FilterAction.UP_AND_DROP).build());
        h1.send(Wire.frame("00:e0:2b:00:00:00", HOST_MAC, 0x88b5, 60));
        awaitCount("first-drop", 1);

        IOException e = assertThrows(IOException.class, () -> second(ProviderLog.system("second")).close());
        String pid = String.valueOf(ProcessHandle.current().pid());
        assertTrue(e.getMessage().contains("pid " + pid) && e.getMessage().contains(lab.switchNs()), e.getMessage());
        // the first host's table, rule and counter are untouched
        assertEquals(1, engine.counters().get("first-drop")[0], nftRuleset());
        assertTrue(nftRuleset().contains("comment \"first-drop\""), nftRuleset());

        // once the first one stops, another may take the data plane
        engine.close();
        engine = null;
        dataPlane.close();
        dataPlane = null;
        L2Engine next = second(ProviderLog.system("second"));
        next.close();
        next.dataPlane().close();
    }

    @Test
    void aKilledHostsStateIsLoggedAndReplacedAtTheNextStartAndCleanRemovesIt() throws Exception {
        Process child = startStaleHost();
        // a second host refuses, naming the running one's pid
        IOException refused = assertThrows(IOException.class, () -> second(ProviderLog.system("second")).close());
        assertTrue(refused.getMessage().contains("pid " + child.pid()), refused.getMessage());
        // the running host has its punt links (near ends in the data plane, far ends in its punt namespace)
        assertFalse(captureLinks().isEmpty(), links());

        child.destroyForcibly(); // SIGKILL
        assertTrue(child.waitFor(10, TimeUnit.SECONDS));
        // what a killed host leaves: its table with its drop rules; its punt links go with its anonymous
        // punt namespace (the kernel removes it once no process holds it: asynchronously, so within a deadline)
        assertTrue(nftRuleset().contains("comment \"stale-in\""), nftRuleset());
        assertTrue(nftRuleset().contains("comment \"stale-out\""), nftRuleset());
        Deadlines.await(10_000, "the punt links to go with the killed host", () -> captureLinks().isEmpty(),
                KernelStateTest::links);

        // the next start finds it, removes it and says what it removed
        RecordingLog log = new RecordingLog();
        dataPlane = new DataPlane(lab.switchNs(), "VR-Default", 2);
        engine = new L2Engine(dataPlane, VrScope.single("VR-Default", 2), L2Engine.RingConfig.DEFAULT, log);
        String said = String.join("\n", log.lines);
        assertTrue(said.contains("stale-in") && said.contains("stale-out"), said);
        // the links now are the new host's own: an ingress and an egress punt link per port
        assertEquals(2 * engine.model().ports().size(), captureLinks().size(), links());
        assertFalse(nftRuleset().contains("stale-"), nftRuleset());
        assertTrue(nftRuleset().contains("table netdev expkt"), nftRuleset());
        engine.close();
        engine = null;
        dataPlane.close();
        dataPlane = null;

        // ./expkt clean removes a killed host's state without a host, and refuses while one runs
        Process running = startStaleHost();
        Result busy = clean();
        assertTrue(busy.rc != 0 && busy.out.contains("pid " + running.pid()), busy.toString());
        assertTrue(nftRuleset().contains("comment \"stale-in\""), "clean touched a running host's table");
        running.destroyForcibly();
        assertTrue(running.waitFor(10, TimeUnit.SECONDS));
        Result cleaned = clean();
        assertEquals(0, cleaned.rc, cleaned.toString());
        assertTrue(cleaned.out.contains("table netdev expkt"), cleaned.toString());
        assertFalse(nftRuleset().contains("table netdev expkt"), nftRuleset());
        assertEquals(List.of(), captureLinks(), links());
        // and a second clean finds nothing to do, and says so
        Result again = clean();
        assertEquals(0, again.rc, again.toString());
        assertTrue(again.out.contains("nothing"), again.toString());
    }

    private void awaitCount(String filter, long packets) throws Exception {
        Deadlines.await(5_000, filter + " to count " + packets, () -> {
            try {
                long[] c = engine.counters().get(filter);
                return c != null && c[0] >= packets;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, KernelStateTest::nftRuleset);
    }

    private static String links() {
        return lab.exec(lab.switchNs(), "ip", "-o", "link").check().stdout();
    }

    private static List<String> captureLinks() {
        return links().lines().map(l -> l.split(":\\s+")[1].split("@")[0]).filter(n -> n.startsWith("expktc")).toList();
    }

    /** Starts {@link StaleHostMain} on the lab's switch namespace and waits until its filters are in. */
    private Process startStaleHost() throws Exception {
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                StaleHostMain.class.getName(), lab.switchNs()).redirectErrorStream(true).start();
        closeAfter.add(p::destroyForcibly);
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        try {
            // readLine blocks: the deadline is on the whole wait, not only between lines
            return Deadlines.within(60_000, "the stale host getting ready", () -> {
                String line;
                while ((line = r.readLine()) != null) {
                    seen.append(line).append('\n');
                    if (line.startsWith("READY")) {
                        Thread.ofVirtual().start(() -> r.lines().forEach(l -> { }));
                        return p;
                    }
                }
                throw new AssertionError("the stale host ended before it got ready: " + seen);
            });
        } catch (Exception | AssertionError e) {
            p.destroyForcibly(); // also ends a read still blocked on its output
            throw e;
        }
    }

    record Result(int rc, String out) {
    }

    /** {@code ./expkt clean --netns <the lab's switch namespace>} from the project root. */
    private static Result clean() throws Exception {
        Path root = Path.of("").toAbsolutePath().getParent();
        Process p = new ProcessBuilder(root.resolve("expkt").toString(), "clean", "--netns", lab.switchNs())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "clean hangs: " + out);
        return new Result(p.exitValue(), out);
    }
}
