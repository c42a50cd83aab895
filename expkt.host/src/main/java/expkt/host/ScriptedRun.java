package expkt.host;

import java.io.ByteArrayInputStream;
import java.io.PrintStream;
import java.util.List;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * A bounded, unattended run of the host (the demo, smoke tests): once every bundle is up, runs the
 * Gogo commands of {@code expkt.host.commands} (separated by {@code ;}) and prints what they show;
 * if {@code expkt.host.runSeconds} is set, runs them again after that many seconds and stops the
 * framework. Commands that do not exist (e.g. {@code expkt:*} before a protocol provides them) are
 * reported and skipped. Without these properties the component does nothing.
 *
 * <p>Threading: everything happens on one daemon thread of its own.
 */
@Component(immediate = true)
public final class ScriptedRun {
    static final String COMMANDS = "expkt.host.commands";
    static final String SECONDS = "expkt.host.runSeconds";

    private final Thread runner;

    @Activate
    public ScriptedRun(BundleContext context, @Reference CommandProcessor processor,
            @Reference(service = LoggerFactory.class) Logger log) {
        String commands = context.getProperty(COMMANDS);
        String seconds = context.getProperty(SECONDS);
        if ((commands == null || commands.isBlank()) && (seconds == null || seconds.isBlank())) {
            runner = null;
            return;
        }
        long runMillis = seconds == null || seconds.isBlank() ? -1 : parseSeconds(seconds) * 1000;
        List<String> script = commands == null ? List.of()
                : List.of(commands.split(";")).stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
        runner = Thread.ofPlatform().daemon().name("expkt-scripted-run").start(() -> {
            try {
                List<String> down = BundleStates.awaitAllUp(context, 60_000);
                if (!down.isEmpty()) {
                    log.warn("scripted run: not active: " + String.join(", ", down));
                }
                StartupTimer.REPORTED.await(5, java.util.concurrent.TimeUnit.SECONDS);
                run(context, processor, script, "start");
                if (runMillis < 0) {
                    return;
                }
                log.info("scripted run: running for " + runMillis / 1000 + " s");
                Thread.sleep(runMillis);
                run(context, processor, script, "end");
                log.info("scripted run: " + runMillis / 1000 + " s are over, stopping the host");
                context.getBundle(0).stop();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (BundleException | IllegalStateException e) {
                log.error("scripted run: cannot stop the framework", e);
            }
        });
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

    /** {@code expkt:*} stands for every command of scope expkt, run without arguments. */
    static List<String> expand(BundleContext context, List<String> script) {
        List<String> out = new java.util.ArrayList<>();
        for (String command : script) {
            if (!command.equals("expkt:*")) {
                out.add(command);
                continue;
            }
            java.util.Set<String> names = new java.util.TreeSet<>();
            try {
                var refs = context.getServiceReferences((String) null, "(osgi.command.scope=expkt)");
                for (var ref : refs == null ? new org.osgi.framework.ServiceReference<?>[0] : refs) {
                    Object f = ref.getProperty("osgi.command.function");
                    if (f instanceof String[] fs) {
                        for (String s : fs) {
                            names.add("expkt:" + s);
                        }
                    } else if (f != null) {
                        names.add("expkt:" + f);
                    }
                }
            } catch (org.osgi.framework.InvalidSyntaxException e) {
                throw new IllegalStateException(e);
            }
            if (names.isEmpty()) {
                out.add("# no expkt:* commands are registered (yet)");
            }
            out.addAll(names);
        }
        return out;
    }

    private static void run(BundleContext context, CommandProcessor processor, List<String> script, String when) {
        PrintStream out = System.out;
        CommandSession session = processor.createSession(new ByteArrayInputStream(new byte[0]), out, System.err);
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
                    out.println("(" + command + ": " + e.getMessage() + ")");
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
    }
}
