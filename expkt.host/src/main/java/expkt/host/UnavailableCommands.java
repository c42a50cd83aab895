package expkt.host;

import java.util.ArrayList;
import java.util.List;

import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.runtime.ServiceComponentRuntime;

/**
 * Explains a Gogo command whose service is registered but cannot be had. Gogo's runtime asks the
 * framework for the command's service on every call and invokes the method on what it gets; when
 * the service is a Declarative Services component that fails to activate, that is null, and the
 * user sees Gogo's NullPointerException ({@code Cannot invoke "Object.getClass()" because "target"
 * is null}) instead of the reason. This finds the command's service, asks for it, and when there is
 * none, names the component and why it is unavailable (its DS state and failure).
 *
 * <p>Threading: stateless; called on the thread that ran the command.
 */
final class UnavailableCommands {
    private UnavailableCommands() {
    }

    /**
     * Null when the command's service(s) can be had (or it is not a registered command);
     * else "scope:function is unavailable: component ... failed to activate: ...".
     */
    static String explain(BundleContext context, ServiceComponentRuntime scr, CharSequence commandLine) {
        String command = firstWord(commandLine);
        if (command == null) {
            return null;
        }
        int colon = command.indexOf(':');
        String scope = colon < 0 ? "*" : command.substring(0, colon);
        String function = colon < 0 ? command : command.substring(colon + 1);
        ServiceReference<?>[] refs;
        try {
            refs = context.getServiceReferences((String) null,
                    "(&(osgi.command.scope=" + scope + ")(osgi.command.function=" + function + "))");
        } catch (InvalidSyntaxException | IllegalStateException e) {
            return null;
        }
        if (refs == null) {
            return null;
        }
        List<String> why = new ArrayList<>();
        for (ServiceReference<?> ref : refs) {
            Object service;
            try {
                service = context.getService(ref);
            } catch (RuntimeException e) {
                service = null;
            }
            if (service != null) {
                context.ungetService(ref);
                return null;
            }
            String reason = ComponentStates.whyUnavailable(context, scr, ref);
            why.add(reason != null ? reason
                    : "the service of bundle " + (ref.getBundle() == null ? "?" : ref.getBundle().getSymbolicName()) + " is gone");
        }
        return why.isEmpty() ? null : command + " is unavailable: " + String.join("; ", why);
    }

    /** The command name a line starts with, or null if it is not a plain {@code [scope:]name}. */
    static String firstWord(CharSequence line) {
        if (line == null) {
            return null;
        }
        String s = line.toString().strip();
        int end = 0;
        while (end < s.length() && (Character.isLetterOrDigit(s.charAt(end)) || "_-.:".indexOf(s.charAt(end)) >= 0)) {
            end++;
        }
        String word = s.substring(0, end);
        return word.isEmpty() || word.startsWith(":") || word.endsWith(":") ? null : word;
    }
}
