package expkt.ops.console;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import org.apache.felix.webconsole.spi.SecurityProvider;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import expkt.ops.http.HttpAccess;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The web console's login: HTTP Basic with user {@value HttpAccess#USER} and the host's password. The
 * host sets {@code felix.webconsole.security.providers=expkt}, so the web console serves nothing until
 * this provider is registered (its built-in {@code admin/admin} never answers); the service ranking
 * puts it before the web console's own provider, which is ranked lowest.
 *
 * <p>Threading: called by Jetty's request threads concurrently; stateless.
 */
@Component(property = {SecurityProvider.PROPERTY_ID + "=expkt", "service.ranking:Integer=1000"})
public final class ConsoleLogin implements SecurityProvider {
    static final String REALM = "expkt web console";
    private final HttpAccess access;

    @Activate
    public ConsoleLogin(@Reference HttpAccess access) {
        this.access = access;
    }

    @Override
    public Object authenticate(HttpServletRequest request, HttpServletResponse response) {
        String auth = request.getHeader("Authorization");
        if (auth != null && auth.regionMatches(true, 0, "Basic ", 0, 6)) {
            try {
                String pair = new String(Base64.getDecoder().decode(auth.substring(6).strip()), StandardCharsets.UTF_8);
                int colon = pair.indexOf(':');
                if (colon > 0 && access.consoleLogin(pair.substring(0, colon), pair.substring(colon + 1))) {
                    request.setAttribute("org.osgi.service.http.authentication.type", "BASIC");
                    request.setAttribute("org.osgi.service.http.authentication.remote.user", HttpAccess.USER);
                    return HttpAccess.USER;
                }
            } catch (IllegalArgumentException badBase64) {
                // falls through to the challenge
            }
        }
        response.setHeader("WWW-Authenticate", "Basic realm=\"" + REALM + "\", charset=\"UTF-8\"");
        response.setStatus(HttpServletResponse.SC_UNAUTHORIZED);
        return null;
    }

    @Override
    public boolean authorize(Object user, String role) {
        return HttpAccess.USER.equals(user);
    }

    @Override
    public void logout(HttpServletRequest request, HttpServletResponse response) {
        // Basic has no server-side session; the web console's logout handling asks the browser to forget
    }
}
