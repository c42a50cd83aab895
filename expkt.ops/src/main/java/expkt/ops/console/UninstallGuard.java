package expkt.ops.console;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

import expkt.host.update.PlatformDir;
import expkt.host.update.UninstallRefusal;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The web console's uninstall of a platform bundle of the host jar ({@link PlatformDir}), refused: a
 * filter in the console's servlet context on its bundles plugin ({@code POST /system/console/bundles/<id>}
 * with {@code action=uninstall}) answers 409 with a message naming the bundle and the bundles wired to it,
 * as the REST API's {@code DELETE} and Gogo's {@code uninstall} (expkt.host) refuse it. Every other
 * request passes. It runs after the console's login (the context's security), so only a logged-in
 * person gets the message.
 *
 * <p>Threading: Jetty's request threads; no state.
 */
@Component(service = Filter.class, property = {
        "osgi.http.whiteboard.filter.name=expkt platform uninstall guard",
        "osgi.http.whiteboard.filter.pattern=/bundles/*",
        "osgi.http.whiteboard.context.select=(osgi.http.whiteboard.context.name=org.apache.felix.webconsole)"})
public final class UninstallGuard implements Filter {
    private final BundleContext context;
    private final PlatformDir platform;

    @Activate
    public UninstallGuard(BundleContext context) {
        this.context = context;
        this.platform = PlatformDir.of(context);
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
        if (request instanceof HttpServletRequest req && response instanceof HttpServletResponse resp
                && "POST".equals(req.getMethod()) && "uninstall".equals(req.getParameter("action"))) {
            Bundle b = target(req.getRequestURI());
            if (b != null && (b.getBundleId() == 0 || platform.holds(b))) {
                String msg = refusal(b);
                resp.setStatus(HttpServletResponse.SC_CONFLICT);
                resp.setContentType("text/plain;charset=utf-8");
                resp.getOutputStream().write((msg + "\n").getBytes(StandardCharsets.UTF_8));
                return;
            }
        }
        chain.doFilter(request, response);
    }

    /** The bundle the console's URI names after {@code /bundles/}: an id or a symbolic name; null if none. */
    private Bundle target(String uri) {
        int i = uri.indexOf("/bundles/");
        if (i < 0) {
            return null;
        }
        String which = uri.substring(i + "/bundles/".length());
        int end = which.indexOf('/');
        if (end >= 0) {
            which = which.substring(0, end);
        }
        if (which.endsWith(".json")) {
            which = which.substring(0, which.length() - 5);
        }
        if (which.isEmpty()) {
            return null;
        }
        if (which.chars().allMatch(Character::isDigit)) {
            return context.getBundle(Long.parseLong(which));
        }
        for (Bundle b : context.getBundles()) {
            if (which.equals(b.getSymbolicName())) {
                return b;
            }
        }
        return null;
    }

    /** The same refusal as Gogo's uninstall and the REST API, with the console's way to update instead. */
    private String refusal(Bundle b) {
        return UninstallRefusal.message(b, context.getBundle(0).adapt(FrameworkWiring.class),
                "the Update button, expkt:update " + b.getBundleId() + ", or PUT /expkt/api/bundles/" + b.getBundleId());
    }
}
