package expkt.ops.http;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Hashtable;

import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

import expkt.ops.secret.Secret;

/**
 * Turns the host's HTTP listener on, where the framework properties say, and holds the two secrets
 * that let people in: the web console password and the REST token.
 *
 * <p>Apache Felix HTTP starts with HTTP disabled ({@code org.apache.felix.http.enable=false} in
 * {@code cnf/expkt-host.bndrun}): nothing listens, and never on every address, until this component has
 * loaded the secrets and written Jetty's configuration ({@value #JETTY_PID}) with the host and port
 * below. Framework properties (not in the .bndrun, so {@code -D} sets them):
 * <ul>
 * <li>{@value #PROP_HTTP}: {@code on} (default) or {@code off} (no listener at all; no secret is made)
 * <li>{@value #PROP_HOST}: the address to bind, default {@code 127.0.0.1}
 * <li>{@value #PROP_PORT}: the TCP port, default 8080
 * <li>{@value #PROP_DIR}: where the secrets are kept, default the parent of the framework storage
 *     ({@code run/} of {@code ./expkt host}, {@code run/demo/} of the demo)
 * </ul>
 * The secrets are {@code webconsole.password} and {@code rest.token} in that directory (mode 0600;
 * generated at the first start unless an operator put one there). A generated password is printed
 * once, on standard output, never logged.
 *
 * <p>Threading: activated and deactivated by SCR; the accessors are safe from any thread (immutable
 * after activation).
 */
@Component(service = HttpAccess.class, immediate = true)
public final class HttpAccess {
    public static final String JETTY_PID = "org.apache.felix.http";
    public static final String PROP_HTTP = "expkt.http";
    public static final String PROP_HOST = "expkt.http.host";
    public static final String PROP_PORT = "expkt.http.port";
    public static final String PROP_DIR = "expkt.ops.dir";
    /** The web console's user name. */
    public static final String USER = "admin";
    /** Where the web console is, under the HTTP root. */
    public static final String CONSOLE_PATH = "/system/console";

    private final boolean enabled;
    private final String host;
    private final int port;
    private final Secret password;
    private final Secret token;
    private final Configuration jetty;
    private final BundleContext context;

    @Activate
    public HttpAccess(BundleContext context, @Reference ConfigurationAdmin configAdmin) throws IOException {
        this.context = context;
        String onOff = prop(context, PROP_HTTP, "on");
        if (!onOff.equals("on") && !onOff.equals("off")) {
            throw new IllegalArgumentException(PROP_HTTP + "=\"" + onOff + "\": on or off");
        }
        this.enabled = onOff.equals("on");
        this.host = prop(context, PROP_HOST, "127.0.0.1");
        String portText = prop(context, PROP_PORT, "8080");
        try {
            this.port = Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(PROP_PORT + "=\"" + portText + "\" is not a TCP port", e);
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(PROP_PORT + "=" + port + " is not a TCP port (1..65535)");
        }
        try {
            InetAddress.getByName(host); // a typo fails here, naming the property, not in Jetty's log
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(PROP_HOST + "=\"" + host + "\" is not an address of this host", e);
        }
        if (!enabled) {
            this.password = null;
            this.token = null;
            this.jetty = null;
            System.out.println("expkt ops: HTTP is off (" + PROP_HTTP + "=off): no web console, no /metrics, no REST API");
            return;
        }
        Path dir = dir(context);
        Files.createDirectories(dir);
        this.password = Secret.load(dir.resolve("webconsole.password"));
        this.token = Secret.load(dir.resolve("rest.token"));

        // "?" binds the configuration to whichever bundle registers the PID: Felix HTTP
        this.jetty = configAdmin.getConfiguration(JETTY_PID, "?");
        Hashtable<String, Object> p = new Hashtable<>();
        p.put("org.apache.felix.http.enable", "true");
        p.put("org.apache.felix.https.enable", "false");
        p.put("org.apache.felix.http.host", host);
        p.put("org.osgi.service.http.port", String.valueOf(port));
        p.put("org.apache.felix.http.jetty.sendServerHeader", "false");
        jetty.update(p);

        StringBuilder b = new StringBuilder();
        b.append("expkt ops: web console ").append(consoleUrl()).append(" user ").append(USER);
        if (password.generated() != null) {
            b.append(" password ").append(password.generated()).append(" (generated now, shown once, kept in ")
                    .append(password.file()).append(')');
        } else {
            b.append(", password in ").append(password.file());
        }
        b.append("; REST API ").append(baseUrl()).append("/expkt/api with the token in ").append(token.file())
                .append("; metrics ").append(baseUrl()).append("/metrics");
        System.out.println(b);
    }

    /**
     * Deletes Jetty's configuration (Felix HTTP falls back to its framework properties: disabled), except
     * while the framework stops: Felix HTTP is stopping too, and the update ConfigAdmin then delivers to
     * it raced its own shutdown (Jetty's {@code WhiteboardManager.stop} threw a
     * {@code ConcurrentModificationException}); the framework storage is cleaned at the next start anyway.
     */
    @Deactivate
    void deactivate() throws IOException {
        if (jetty == null || frameworkStopping()) {
            return;
        }
        jetty.delete();
    }

    private boolean frameworkStopping() {
        try {
            return context.getBundle(0).getState() == org.osgi.framework.Bundle.STOPPING;
        } catch (IllegalStateException e) {
            return true; // our context is gone: so is the framework
        }
    }

    /** Whether the listener is on. */
    public boolean enabled() {
        return enabled;
    }

    public String baseUrl() {
        String h = host.contains(":") ? "[" + host + "]" : host;
        return "http://" + h + ":" + port;
    }

    public String consoleUrl() {
        return baseUrl() + CONSOLE_PATH + "/";
    }

    /** Whether {@code user}/{@code pass} are the web console's credentials (false when HTTP is off). */
    public boolean consoleLogin(String user, String pass) {
        return password != null && USER.equals(user) & password.matches(pass);
    }

    /** Whether {@code candidate} is the REST token (false when HTTP is off). */
    public boolean restToken(String candidate) {
        return token != null && token.matches(candidate);
    }

    private static String prop(BundleContext context, String key, String def) {
        String v = context.getProperty(key);
        return v == null || v.isBlank() ? def : v.strip();
    }

    private static Path dir(BundleContext context) {
        String d = context.getProperty(PROP_DIR);
        if (d != null && !d.isBlank()) {
            return Path.of(d).toAbsolutePath();
        }
        String storage = context.getProperty("org.osgi.framework.storage");
        Path cache = Path.of(storage == null || storage.isBlank() ? "felix-cache" : storage).toAbsolutePath();
        return cache.getParent();
    }
}
