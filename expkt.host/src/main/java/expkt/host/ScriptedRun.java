package expkt.host;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.log.LogReaderService;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * A bounded, unattended run of the host (the demo, smoke tests): once every bundle is up, runs the
 * Gogo commands of {@code expkt.host.commands} (separated by {@code ;}) and prints what they show;
 * if {@code expkt.host.runSeconds} is set, runs them again after that many seconds, gives its
 * verdict and ends the host. Without these properties the component does nothing.
 *
 * <p>The verdict of a bounded run is its exit code: 0 when every bundle is active, no enabled DS
 * component is unsatisfied or failed (after start-up settled, and at the end), no command threw and
 * nothing was logged at ERROR; else 1, with one line naming every cause as the last thing the run
 * prints ({@code expkt host: run FAILED: ...}; also written to {@code expkt.host.resultFile} when
 * set, for the launcher to repeat). What is logged while the framework stops, after the verdict,
 * does not count. The run is the bnd launcher's main-thread service ({@code main.thread=true}), so
 * the launcher stops the framework when it returns and exits with its code; in a framework started
 * otherwise it runs on a thread of its own and stops the framework itself (no exit code then).
 *
 * <p>Threading: the run happens on the launcher's main thread or on one daemon thread of its own;
 * Gogo commands run on that thread.
 */
@Component(immediate = true)
public final class ScriptedRun {
    static final String COMMANDS = "expkt.host.commands";
    static final String SECONDS = "expkt.host.runSeconds";
    static final String RESULT_FILE = "expkt.host.resultFile";
    /** How long component states must stay unchanged to count as settled, and the most we wait. */
    static final long SETTLED_MS = 1_000, SETTLE_LIMIT_MS = 15_000;
    /** Session attribute of the run's own Gogo sessions: {@link CommandDoctor} leaves them to the run. */
    static final String SESSION_MARK = "expkt.scriptedRun";
    private static final int CLIP = 240;

    private final BundleContext context;
    private final CommandProcessor processor;
    private final ServiceComponentRuntime scr;
    private final Logger log;
    private final ErrorCount errors;
    private final List<String> script;
    private final long runMillis;
    private final List<String> commandFailures = new ArrayList<>();
    private final Thread runner;
    private final ServiceRegistration<?> mainThread;
    private volatile Thread running;

    @Activate
    public ScriptedRun(BundleContext context, @Reference CommandProcessor processor,
            @Reference ServiceComponentRuntime scr, @Reference LogReaderService reader,
            @Reference(service = LoggerFactory.class) Logger log) {
        this.context = context;
        this.processor = processor;
        this.scr = scr;
        this.log = log;
        String commands = context.getProperty(COMMANDS);
        String seconds = context.getProperty(SECONDS);
        this.runMillis = seconds == null || seconds.isBlank() ? -1 : parseSeconds(seconds) * 1000;
        this.script = commands == null ? List.of()
                : List.of(commands.split(";")).stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
        if (script.isEmpty() && runMillis < 0) {
            errors = null;
            runner = null;
            mainThread = null;
            return;
        }
        errors = runMillis < 0 ? null : new ErrorCount(reader);
        if (runMillis >= 0 && launchedByBnd(context)) {
            Hashtable<String, Object> props = new Hashtable<>();
            props.put("main.thread", "true");
            mainThread = context.registerService(Callable.class, new BoundedRun(), props);
            runner = null;
            return;
        }
        mainThread = null;
        runner = Thread.ofPlatform().daemon().name("expkt-scripted-run").start(() -> {
            try {
                runScript();
                if (runMillis >= 0) {
                    context.getBundle(0).stop();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (BundleException | IllegalStateException e) {
                log.error("scripted run: cannot stop the framework", e);
            }
        });
    }

    /** The bnd launcher registers itself as a service: then it calls a main.thread service and exits with its code. */
    private static boolean launchedByBnd(BundleContext context) {
        return context.getServiceReference("aQute.launcher.Launcher") != null;
    }

    /** The bounded run as the launcher's main thread: its return value is the JVM's exit code. */
    final class BoundedRun implements Callable<Integer> {
        @Override
        public Integer call() {
            running = Thread.currentThread();
            try {
                return runScript();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 130; // ended from outside (the JVM is shutting down)
            } finally {
                running = null;
            }
        }
    }

    /** Start-up, the commands, the wait, the commands again, the verdict: 0 ok, 1 failed. */
    private int runScript() throws InterruptedException {
        List<String> down = BundleStates.awaitSettled(context, 60_000, 3_000);
        if (!down.isEmpty()) {
            log.warn("scripted run: not active: " + String.join(", ", down));
        }
        StartupTimer.REPORTED.await(5, TimeUnit.SECONDS);
        Set<String> componentProblems = new LinkedHashSet<>(settledComponentProblems());
        run("start");
        if (runMillis < 0) {
            return 0;
        }
        log.info("scripted run: running for " + runMillis / 1000 + " s");
        Thread.sleep(runMillis);
        run("end");
        componentProblems.addAll(ComponentStates.problems(scr));
        return verdict(componentProblems);
    }

    /** Waits until no component configuration changed state for {@link #SETTLED_MS} (at most {@link #SETTLE_LIMIT_MS}). */
    private List<String> settledComponentProblems() throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE_LIMIT_MS * 1_000_000L;
        Map<Long, Integer> last = ComponentStates.snapshot(scr);
        long stableSince = System.nanoTime();
        while (System.nanoTime() - stableSince < SETTLED_MS * 1_000_000L && System.nanoTime() < deadline) {
            Thread.sleep(100);
            Map<Long, Integer> now = ComponentStates.snapshot(scr);
            if (!now.equals(last)) {
                last = now;
                stableSince = System.nanoTime();
            }
        }
        return ComponentStates.problems(scr);
    }

    /** The jars the deploy guard refused (they never became bundles, so no bundle state shows them). */
    private List<String> deployProblems() {
        ServiceReference<expkt.host.deploy.DeployStatus> ref = context.getServiceReference(expkt.host.deploy.DeployStatus.class);
        if (ref == null) {
            return List.of();
        }
        expkt.host.deploy.DeployStatus status = context.getService(ref);
        try {
            return status == null ? List.of() : status.problems();
        } finally {
            context.ungetService(ref);
        }
    }

    private int verdict(Set<String> componentProblems) {
        List<String> problems = new ArrayList<>(BundleStates.problems(context));
        problems.addAll(deployProblems());
        problems.addAll(componentProblems);
        synchronized (commandFailures) {
            problems.addAll(new LinkedHashSet<>(commandFailures)); // the same failure at start and end once
        }
        String errorSummary = errors.summary();
        if (errorSummary != null) {
            problems.add(errorSummary);
        }
        PrintStream out = System.out;
        String line;
        if (problems.isEmpty()) {
            line = "expkt host: run ok: " + context.getBundles().length + " bundles active, "
                    + ComponentStates.snapshot(scr).size() + " component configurations fine, no command failed, no ERROR logged";
        } else {
            out.println("expkt host: what went wrong in this run:");
            for (String p : problems) {
                out.println("  - " + p);
            }
            line = "expkt host: run FAILED (" + problems.size() + " problem" + (problems.size() == 1 ? "" : "s") + "): "
                    + String.join(" | ", problems.stream().map(ScriptedRun::clip).toList());
        }
        out.println(line);
        out.flush();
        writeResult(line);
        return problems.isEmpty() ? 0 : 1;
    }

    /** A problem in the one-line verdict: the list above it has the whole text. */
    static String clip(String problem) {
        return problem.length() <= CLIP ? problem : problem.substring(0, CLIP - 3) + "...";
    }

    private void writeResult(String line) {
        String file = context.getProperty(RESULT_FILE);
        if (file == null || file.isBlank()) {
            return;
        }
        try {
            Files.writeString(Path.of(file), line + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            System.err.println("expkt host: cannot write the run's result to " + file + ": " + e);
        }
    }

    static long parseSeconds(String s) {
        try {
            long v = Long.parseLong(s.strip());
            if (v < 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(SECONDS + " \"" + s + "\" is not a number of seconds >= 0", e);
        }
    }

    /**
     * {@code expkt:*} stands for every command of scope expkt that can run without arguments
     * (those that need some, like {@code expkt:capture}, are listed as skipped).
     */
    static List<String> expand(BundleContext context, List<String> script) {
        List<String> out = new ArrayList<>();
        for (String command : script) {
            if (!command.equals("expkt:*")) {
                out.add(command);
                continue;
            }
            Set<String> names = new TreeSet<>();
            Set<String> needArguments = new TreeSet<>();
            try {
                var refs = context.getServiceReferences((String) null, "(osgi.command.scope=expkt)");
                for (var ref : refs == null ? new ServiceReference<?>[0] : refs) {
                    Object f = ref.getProperty("osgi.command.function");
                    String[] fs = f instanceof String[] a ? a : f == null ? new String[0] : new String[] {f.toString()};
                    for (String s : fs) {
                        (needsArguments(context, ref, s) ? needArguments : names).add("expkt:" + s);
                    }
                }
            } catch (InvalidSyntaxException e) {
                throw new IllegalStateException(e);
            }
            if (names.isEmpty()) {
                out.add("# no expkt:* commands are registered (yet)");
            }
            out.addAll(names);
            if (!needArguments.isEmpty()) {
                out.add("# not run, they need arguments: " + String.join(" ", needArguments));
            }
        }
        return out;
    }

    /** True when the command's methods of that name all take arguments; false if it cannot tell (then it is run). */
    private static boolean needsArguments(BundleContext context, ServiceReference<?> ref, String function) {
        Object service = context.getService(ref);
        if (service == null) {
            return false; // unavailable: run it, and the failure is explained
        }
        try {
            boolean named = false;
            for (Method m : service.getClass().getMethods()) {
                if (!Modifier.isPublic(m.getModifiers()) || !m.getName().equalsIgnoreCase(function)) {
                    continue;
                }
                named = true;
                long params = List.of(m.getParameterTypes()).stream().filter(p -> p != CommandSession.class).count();
                if (params == 0) {
                    return false;
                }
            }
            return named;
        } finally {
            context.ungetService(ref);
        }
    }

    private void run(String when) {
        PrintStream out = System.out;
        CommandSession session = processor.createSession(new ByteArrayInputStream(new byte[0]), out, System.err);
        session.put(SESSION_MARK, Boolean.TRUE);
        try {
            for (String command : expand(context, script)) {
                if (command.startsWith("#")) {
                    out.println("---- [" + when + "] " + command);
                    continue;
                }
                out.println("---- [" + when + "] g! " + command);
                try {
                    Object result = session.execute(command);
                    if (result != null) {
                        out.println(session.format(result, Converter.INSPECT));
                    }
                } catch (Exception e) {
                    String why = UnavailableCommands.explain(context, scr, command);
                    String message = why != null ? why : command + " threw " + e;
                    // the same failure at start and at end is one problem
                    message = message.replace("\n", " ");
                    out.println("(" + message + ")");
                    synchronized (commandFailures) {
                        commandFailures.add("command " + message);
                    }
                }
            }
            out.flush();
        } finally {
            session.close();
        }
    }

    @Deactivate
    void deactivate() {
        if (runner != null) {
            runner.interrupt();
        }
        if (mainThread != null) {
            try {
                mainThread.unregister();
            } catch (IllegalStateException alreadyGone) {
                // unregistered with the bundle
            }
        }
        Thread t = running;
        if (t != null) {
            t.interrupt();
        }
        if (errors != null) {
            errors.close();
        }
    }
}
