package expkt.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.Test;

import expkt.lab.Deadlines;
import expkt.lab.Exec;
import expkt.lab.Lab;

/**
 * The platform bundles of the real host process (the exported jar, its bnd launcher, the Gogo
 * console, FileInstall) with the LLDP, WoL and ping bundles deployed: the standard {@code update N}
 * without a URL works for every one of them (they are installed from {@code file:} URLs of
 * {@code run/platform}, not from {@code jar/…} paths inside the host jar, which the framework cannot
 * read again); and {@code expkt:update} and the deploy directory refuse an update of the keeper
 * that would restart the protocols' components, naming them, and do it with {@code --force} /
 * a {@code *.force.jar} file, while an update of the provider restarts no protocol and is not refused.
 */
public class PlatformUpdateIT {
    private static final long WAIT_MS = 60_000;
    /**
     * The Web Console, asked for its bundles page after every update: 5.0.8's activator threw a
     * NullPointerException ("config" is null, FELIX-6747) whenever it started with expkt's login
     * already registered — its own update, and the refresh after updating org.apache.felix.metatype —
     * and it stayed RESOLVED: no console after a platform update.
     */
    private static final String WEB_CONSOLE = "org.apache.felix.webconsole";
    /** lb -l: id, state, level, location. */
    private static final Pattern LB_L = Pattern.compile("(?m)^\\s*(\\d+)\\|(\\w+)\\s*\\|\\s*(\\d+)\\|(\\S+)\\|");
    /** lb -s: id, state, level, symbolic name. */
    private static final Pattern LB_S = Pattern.compile("(?m)^\\s*(\\d+)\\|(\\w+)\\s*\\|\\s*(\\d+)\\|([^ |]+)");
    /** "refresh: dropping the old revisions of 12 org.osgi.service.component; restarts ...": what was refreshed. */
    private static final Pattern REFRESH_OF = Pattern.compile("dropping the old revisions of (.+?); restarts ");
    /** The console runs in these: replacing them from inside it ends the console's session (see expkt.host/README.md). */
    private static final List<String> CONSOLE = List.of("org.apache.felix.gogo.runtime", "org.apache.felix.gogo.shell");
    @Test
    public void updateWithoutAUrlWorksForEveryPlatformBundle() throws Exception {
        Path run = runWithProtocols("every");
        Path log = run.resolve("expkt.log");
        Lab.cleanStale();
        try (Lab lab = Lab.builder().ports(1).build(); HostProcess host = HostProcess.start(lab, run)) {
            host.awaitStarted(WAIT_MS);
            Map<Long, String> platform = platformBundles(host, run);
            Map<Long, String> names = names(host);
            long jars;
            try (var s = Files.list(run.resolve("platform"))) {
                jars = s.filter(p -> p.toString().endsWith(".jar")).count();
            }
            assertEquals("every jar of run/platform is an installed bundle: " + platform, jars, platform.size());
            assertTrue("the host jar's bundles (framework, SCR, Gogo, FileInstall, expkt) are platform bundles: " + platform, platform.size() >= 17);
            HostDeployIT.awaitLogCount(log, "serving filter \"wol\"", 1);
            assertTrue("the web console is a platform bundle: " + names, platform.keySet().stream().anyMatch(id -> WEB_CONSOLE.equals(names.get(id))));
            awaitConsoleServes(lab, run, "before the updates");
            List<String> updated = new ArrayList<>();
            List<String> skipped = new ArrayList<>();
            for (Map.Entry<Long, String> e : platform.entrySet()) {
                long id = e.getKey();
                if (CONSOLE.contains(names.get(id))) {
                    skipped.add(id + " " + names.get(id));
                    continue;
                }
                String out = host.command("update " + id, WAIT_MS);
                assertFalse("update " + id + " (" + names.get(id) + ", " + e.getValue() + ") printed:\n" + out,
                        out.contains("Exception") || out.contains("rror"));
                // every platform bundle, SCR included: expkt:refresh is no DS component (the activator of
                // expkt.host registers it), so it is there while SCR's new revision extends nothing yet
                out = refresh(host);
                assertTrue("expkt:refresh after update " + id + " (" + names.get(id) + ") printed:\n" + out,
                        out.contains("refreshed ") || out.contains("nothing to refresh"));
                awaitAllActive(host, "after update " + id + " (" + names.get(id) + ") and expkt:refresh");
                awaitConsoleServes(lab, run, "after update " + id + " (" + names.get(id) + ") and expkt:refresh");
                updated.add(id + " " + names.get(id));
            }
            assertEquals("updated: " + updated + ", skipped: " + skipped, platform.size() - CONSOLE.size(), updated.size());
            // the protocols run on: their components are active again and their commands answer
            String stats = host.command("wol:stats", WAIT_MS);
            for (long until = System.currentTimeMillis() + 30_000; !stats.contains("magic") && System.currentTimeMillis() < until; ) {
                Thread.sleep(200);
                stats = host.command("wol:stats", WAIT_MS);
            }
            String scr = host.command("scr:list", WAIT_MS);
            if (!stats.contains("magic")) {
                fail("wol:stats after the updates printed:\n" + stats + "\nlb:\n" + host.command("lb", WAIT_MS) + "\nscr:list:\n" + scr);
            }
            // the LLDP agent is active again: lldp:stats answers (its component has a static reference to the
            // agent). Not scr:list: after SCR's update and refresh it printed every component "enabled, 0 instances"
            String lldp = host.command("lldp:stats", WAIT_MS);
            for (long until = System.currentTimeMillis() + 30_000; !lldp.contains("tx interval") && System.currentTimeMillis() < until; ) {
                Thread.sleep(200);
                lldp = host.command("lldp:stats", WAIT_MS);
            }
            assertTrue("the LLDP agent is active again: lldp:stats printed\n" + lldp + "\nscr:list:\n" + scr, lldp.contains("tx interval"));
            String deploy = host.command("expkt:deploy", WAIT_MS);
            assertTrue("the deploy guard answers:\n" + deploy, deploy.contains("installed as bundle"));
            assertTrue("nothing left to refresh", host.command("expkt:refresh", WAIT_MS).contains("nothing to refresh"));
            List<String> lines = Files.readAllLines(log);
            // each line once: a restarted expkt.host (its update, the refreshes of FileInstall...) wrote the
            // Log Service's backlog again, lines the previous log printer had written
            Map<String, Long> refreshLines = new LinkedHashMap<>();
            lines.stream().filter(l -> l.contains("refresh: dropping the old revisions of ")).forEach(l -> refreshLines.merge(l, 1L, Long::sum));
            assertTrue("refreshes logged: " + refreshLines.size(), refreshLines.size() >= 10);
            assertEquals("lines written more than once: " + refreshLines, List.of(),
                    refreshLines.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList());
            // each refresh's outcome is in the log, also of those that restarted expkt.host (whose context
            // was gone when it logged): all but a refresh of the Log Service (its LoggerFactory is another
            // class then; the outcome goes to standard error)
            List<String> unreported = new ArrayList<>();
            for (String dropping : refreshLines.keySet()) {
                Matcher which = REFRESH_OF.matcher(dropping);
                assertTrue(dropping, which.find());
                if (!dropping.contains(" org.apache.felix.log") && lines.stream().noneMatch(l -> l.contains("refresh: refreshed " + which.group(1) + " in "))) {
                    unreported.add(which.group(1));
                }
            }
            assertEquals("refreshes whose outcome is not in the log", List.of(), unreported);
            // the LLDP agent stops once for each refresh that restarts it or the keeper, and for the
            // keeper's and SCR's own updates (SCR's stop disposes every component), never a second time: the keeper's PacketService (EngineReady) came
            // before its StateHandover, so the agent, activated without it, was deactivated and activated
            // again to bind it (its greedy reference), sending shutdown LLDPDUs; the provider's whiteboard,
            // binding its handler meanwhile, once got "Service factory returned null" (an ERROR)
            long stops = lines.stream().filter(l -> l.contains("LLDP: stopped;") || l.contains("LLDP: stopping for an update")).count();
            long mustStop = refreshLines.keySet().stream().filter(l -> l.contains("expkt.protocol.lldp") || l.contains("expkt.keeper")).count()
                    + lines.stream().filter(l -> (l.contains("expkt.keeper ") || l.contains("org.apache.felix.scr "))
                            && l.contains("BundleEvent UPDATED")).count();
            assertTrue("the LLDP agent stopped " + stops + " times, " + mustStop + " refreshes and updates restarted it or the keeper",
                    stops >= 1 && stops <= mustStop);
            // updating SCR disposes the provider's components before the protocols': the keeper's
            // grace period is skipped then (no engine can come before SCR is back), or the LLDP agent's
            // shutdown send held SCR's stop for 3 s and the keeper warned of a provider that did not come back
            assertEquals("the keeper waited out its grace period:", List.of(),
                    lines.stream().filter(l -> l.contains("no packet engine came back within the grace period")).toList());
            assertEquals("no ERROR in the log after updating " + updated + ":\n" + HostDeployIT.errors(log), List.of(), HostDeployIT.errors(log));
        }
    }

    /** What the test above would see without the fix: the launcher's embedded locations cannot be read again. */
    @Test
    public void embeddedLocationsCannotBeReadAgain() throws Exception {
        Path run = runWithProtocols("embedded");
        Lab.cleanStale();
        try (Lab lab = Lab.builder().ports(1).build(); HostProcess host = HostProcess.start(lab, run, "expkt.platform.embedded=true")) {
            host.awaitStarted(WAIT_MS);
            String lb = host.command("lb -l expkt.provider", WAIT_MS);
            Matcher m = LB_L.matcher(lb);
            assertTrue(lb, m.find());
            assertEquals("jar/expkt.provider-0.1.0-SNAPSHOT.jar", m.group(4));
            String out = host.command("update " + m.group(1), WAIT_MS);
            assertTrue("the failure the platform directory fixes:\n" + out, out.contains("no protocol: jar/expkt.provider"));
        }
    }

    @Test
    public void aKeeperUpdateThatWouldRestartTheProtocolsIsRefusedUnlessForcedAProviderUpdateIsNot() throws Exception {
        Path run = runWithProtocols("refuse");
        Path log = run.resolve("expkt.log");
        Lab.cleanStale();
        try (Lab lab = Lab.builder().ports(1).build(); HostProcess host = HostProcess.start(lab, run)) {
            host.awaitStarted(WAIT_MS);
            Map<Long, String> names = names(host);
            long keeper = idOf(names, "expkt.keeper");
            long provider = idOf(names, "expkt.provider");
            long lldp = idOf(names, "expkt.protocol.lldp");
            long wol = idOf(names, "expkt.protocol.wol");
            HostDeployIT.awaitLogCount(log, "serving filter \"wol\"", 1);

            // the keeper holds the protocols' PacketService: refused, naming the bundles and the components
            String out = host.command("expkt:update expkt.keeper", WAIT_MS);
            assertTrue(out, out.contains("refused: updating bundle " + keeper + " expkt.keeper"));
            assertTrue(out, out.contains(lldp + " expkt.protocol.lldp") && out.contains(wol + " expkt.protocol.wol"));
            assertTrue(out, out.contains("component expkt.protocol.lldp.LldpAgent is deactivated"));
            assertTrue(out, out.contains("expkt:update --force expkt.keeper"));
            awaitAllActive(host, "after the refusal");
            assertEquals("the LLDP agent was not stopped by a refused update", 0, count(log, "LLDP: stop"));

            // the provider: the protocols hold nothing of it (the keeper does), so it is updated without --force
            // and the agent does not stop; the WoL relay's handler is served again by the new engine
            out = host.command("expkt:update expkt.provider", WAIT_MS);
            assertTrue(out, out.contains("updated bundle " + provider + " expkt.provider") && out.contains("no other bundle restarted"));
            HostDeployIT.awaitLogCount(log, "serving filter \"wol\"", 2);
            awaitAllActive(host, "after the provider's update");
            assertEquals("a provider update does not stop the LLDP agent", 0, count(log, "LLDP: stop"));

            // --force: done, and the restarts it announced happen (the agent stops and starts again)
            out = host.command("expkt:update --force expkt.keeper", WAIT_MS);
            assertTrue(out, out.contains("updated bundle " + keeper + " expkt.keeper"));
            assertTrue(out, out.contains("restarted (--force): ") && out.contains(lldp + " expkt.protocol.lldp"));
            HostDeployIT.awaitLogCount(log, "LLDP: stop", 1);
            HostDeployIT.awaitLogCount(log, "serving filter \"wol\"", 3);
            awaitAllActive(host, "after the forced update");

            // the deploy directory: a platform bundle's jar updates that bundle, refused the same way unless *.force.jar
            Path jar = run.resolve("platform/expkt.keeper-0.1.0-SNAPSHOT.jar");
            long stops = count(log, "LLDP: stop");
            HostDeployIT.drop(jar, run.resolve("deploy/expkt.keeper.jar"), run, 1);
            HostDeployIT.awaitLogCount(log, "deploy: refused expkt.keeper.jar: updating platform bundle " + keeper + " expkt.keeper", 1);
            String deploy = host.command("expkt:deploy", WAIT_MS);
            assertTrue(deploy, Pattern.compile("expkt\\.keeper\\.jar\\s+refused: updating platform bundle " + keeper
                    + " .*expkt\\.protocol\\.lldp.*still running: bundle " + keeper + " expkt\\.keeper").matcher(deploy).find());
            assertEquals(stops, count(log, "LLDP: stop"));
            HostDeployIT.drop(jar, run.resolve("deploy/expkt.keeper.force.jar"), run, 2);
            HostDeployIT.awaitLogCount(log, "deploy: expkt.keeper.force.jar updated bundle " + keeper + " in place", 1);
            HostDeployIT.awaitLogCount(log, "LLDP: stop", (int) stops + 1);
            awaitAllActive(host, "after the forced deploy");
            assertEquals("the keeper keeps its id and is not installed twice", 1, names(host).values().stream().filter("expkt.keeper"::equals).count());

            // and the provider's jar under its plain name: updated in place, nobody restarted. First the agent
            // is active on the keeper's last revision (its socket listed by expkt:keeper): the forced update
            // and its refresh stopped it twice
            Deadlines.await(WAIT_MS, "the LLDP agent's socket on the keeper", () -> {
                try {
                    return host.command("expkt:keeper", WAIT_MS).contains("expkt.protocol.lldp");
                } catch (Exception e) {
                    return false;
                }
            });
            stops = count(log, "LLDP: stop");
            long tookOver = count(log, "took over:");
            Path providerJar = run.resolve("provider-changed.jar"); // one manifest header differs: not the bytes it runs
            HostDeployIT.withManifest(run.resolve("platform/expkt.provider-0.1.0-SNAPSHOT.jar"), providerJar, "X-Test-Update", "1");
            HostDeployIT.drop(providerJar, run.resolve("deploy/expkt.provider.jar"), run, 3);
            HostDeployIT.awaitLogCount(log, "deploy: expkt.provider.jar updated bundle " + provider + " in place", 1);
            HostDeployIT.awaitLogCount(log, "took over:", (int) tookOver + 1);
            awaitAllActive(host, "after the provider's deploy");
            assertEquals("a provider deploy does not stop the LLDP agent", stops, count(log, "LLDP: stop"));

            List<String> errors = HostDeployIT.errors(log);
            assertEquals("the deploy refusal is the only ERROR:\n" + errors, 1, errors.size());
            assertTrue(errors.toString(), errors.get(0).contains("deploy: refused expkt.keeper.jar"));
        }
    }

    /** A run directory whose deploy directory holds the LLDP, WoL and ping bundles. */
    static Path runWithProtocols(String name) throws Exception {
        Path run = Files.createTempDirectory(Files.createDirectories(Path.of("target/platform").toAbsolutePath()), name);
        Path deploy = Files.createDirectories(run.resolve("deploy"));
        for (String p : List.of("lldp", "wol", "ping")) {
            Files.copy(ExpktOptions.jar("expkt.bundle.expkt.protocol." + p).toPath(), deploy.resolve(p + ".jar"));
        }
        return run;
    }

    /** Bundle id → location, of the bundles installed from {@code run/platform}. */
    static Map<Long, String> platformBundles(HostProcess host, Path run) throws Exception {
        String prefix = run.resolve("platform").toUri().toString().replace("file:///", "file:/");
        Map<Long, String> out = new LinkedHashMap<>();
        Matcher m = LB_L.matcher(host.command("lb -l", WAIT_MS));
        while (m.find()) {
            if (m.group(4).startsWith(prefix)) {
                out.put(Long.parseLong(m.group(1)), m.group(4));
            }
        }
        return out;
    }

    static Map<Long, String> names(HostProcess host) throws Exception {
        Map<Long, String> out = new LinkedHashMap<>();
        Matcher m = LB_S.matcher(host.command("lb -s", WAIT_MS));
        while (m.find()) {
            out.put(Long.parseLong(m.group(1)), m.group(4));
        }
        return out;
    }

    private static long idOf(Map<Long, String> names, String bsn) {
        return names.entrySet().stream().filter(e -> e.getValue().equals(bsn)).mapToLong(Map.Entry::getKey).findFirst()
                .orElseThrow(() -> new AssertionError(bsn + " is not installed: " + names));
    }

    /** Waits until every bundle is Active (lb -s); fails naming those that are not. */
    static void awaitAllActive(HostProcess host, String when) throws Exception {
        long deadline = System.currentTimeMillis() + WAIT_MS;
        String lb;
        List<String> notActive = new ArrayList<>();
        do {
            lb = host.command("lb -s", WAIT_MS);
            notActive.clear();
            Matcher m = LB_S.matcher(lb);
            int n = 0;
            while (m.find()) {
                n++;
                if (!"Active".equals(m.group(2))) {
                    notActive.add(m.group(1) + " " + m.group(4) + " " + m.group(2));
                }
            }
            if (n > 0 && notActive.isEmpty()) {
                return;
            }
            Thread.sleep(200);
        } while (System.currentTimeMillis() < deadline);
        throw new AssertionError("not every bundle is Active " + when + ": " + notActive + "\n" + lb);
    }

    /**
     * {@code expkt:refresh}, asked again (within {@link #WAIT_MS}) while Gogo does not know the command:
     * the activator of {@code expkt.host} registers it, so it is away while {@code expkt.host} restarts
     * (its own update). Nothing was refreshed then, so asking again is what an operator does.
     */
    static String refresh(HostProcess host) throws Exception {
        long deadline = System.currentTimeMillis() + WAIT_MS;
        String out = host.command("expkt:refresh", 2 * WAIT_MS);
        while (out.contains("Command not found: expkt:refresh") && System.currentTimeMillis() < deadline) {
            Thread.sleep(200);
            out = host.command("expkt:refresh", 2 * WAIT_MS);
        }
        return out;
    }

    /**
     * Waits until the web console serves its bundles page to the host's password (HTTP 200, the page
     * listing the bundles), then checks that it still asks everyone else to log in (401): curl in the
     * host's namespace (the lab's switch namespace), the host's default 127.0.0.1:8080.
     */
    static void awaitConsoleServes(Lab lab, Path run, String when) throws Exception {
        String password = Files.readString(run.resolve("webconsole.password")).strip();
        String url = "http://127.0.0.1:8080/system/console/bundles";
        String[] last = {""};
        Deadlines.await(WAIT_MS, "the web console's bundles page (HTTP 200 with the password) " + when, () -> {
            Exec.Result r = lab.exec(lab.switchNs(), "curl", "-s", "-m", "10", "-u", "admin:" + password, "-w", "\nHTTP %{http_code}", url);
            last[0] = r.stdout();
            return r.stdout().endsWith("\nHTTP 200") && r.stdout().contains("Bundle information:");
        }, () -> last[0].length() > 2000 ? last[0].substring(last[0].length() - 2000) : last[0]);
        Exec.Result r = lab.exec(lab.switchNs(), "curl", "-s", "-m", "10", "-o", "/dev/null", "-w", "HTTP %{http_code}", url);
        assertEquals("the web console without the password " + when, "HTTP 401", r.stdout().strip());
    }

    private static long count(Path log, String text) throws Exception {
        return Files.readAllLines(log).stream().filter(l -> l.contains(text)).count();
    }
}
