package expkt.host;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.CommandSessionListener;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.runtime.ServiceComponentRuntime;

/**
 * In every Gogo session (the console too): when a command fails because its service cannot be had,
 * prints which component is unavailable and why, next to Gogo's own NullPointerException text
 * (see {@link UnavailableCommands}).
 *
 * <p>Threading: Gogo calls the listener on the thread that runs the command.
 */
@Component
public final class CommandDoctor implements CommandSessionListener {
    private final BundleContext context;
    private final ServiceComponentRuntime scr;

    @Activate
    public CommandDoctor(BundleContext context, @Reference ServiceComponentRuntime scr) {
        this.context = context;
        this.scr = scr;
    }

    @Override
    public void beforeExecute(CommandSession session, CharSequence command) {
        // nothing to check before
    }

    @Override
    public void afterExecute(CommandSession session, CharSequence command, Exception exception) {
        if (exception == null || session.get(ScriptedRun.SESSION_MARK) != null) {
            return;
        }
        String why = UnavailableCommands.explain(context, scr, command);
        if (why != null && session.getConsole() != null) {
            session.getConsole().println(why);
        }
    }

    @Override
    public void afterExecute(CommandSession session, CharSequence command, Object result) {
        // it worked
    }
}
