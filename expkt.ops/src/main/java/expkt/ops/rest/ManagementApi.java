package expkt.ops.rest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.MetaTypeService;

import com.fasterxml.jackson.jr.ob.JSON;

import expkt.api.runtime.ExpktRuntime;
import expkt.ops.dto.DtoJson;
import expkt.ops.http.HttpAccess;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The management REST API under {@value #ROOT}: JSON, every call with {@code Authorization: Bearer
 * <token>} (the token in {@code run/rest.token}), else 401. Calls (described in
 * {@code expkt.ops/openapi.yaml}, curl examples in {@code expkt.ops/README.md}):
 * <ul>
 * <li>{@code GET bundles}, {@code GET bundles/{id}}
 * <li>{@code POST bundles[?start=false]} (the jar as the body): install (and start)
 * <li>{@code PUT bundles/{id}[?force=true]} (the jar as the body): update in place; refused (409, naming
 *     them) if other bundles' components would restart, as {@code expkt:update} refuses, unless {@code force=true};
 *     202 when the update's refresh restarts this API's own web server: the answer first, then the refresh
 * <li>{@code DELETE bundles/{id}}: uninstall; refused (409, naming it) for a platform bundle of the host jar
 * <li>{@code GET configs}, {@code GET|PUT|DELETE configs/{pid}}
 * <li>{@code GET runtime}, {@code GET runtime/{part}} ({@code dataPlane}, {@code ports}, {@code vlans},
 *     {@code vrs}, {@code filters}, {@code sockets}, {@code vrSockets}, {@code handlers}, {@code lanes})
 * </ul>
 * A refused call gets a 4xx and {@code {"error": "why"}}; nothing is left half-done.
 *
 * <p>Threading: Jetty calls {@link #service} from its request threads concurrently; bundle changes
 * are serialised in {@link BundleOps}.
 */
@Component(service = Servlet.class, property = {
        "osgi.http.whiteboard.servlet.pattern=" + ManagementApi.ROOT + "/*",
        "osgi.http.whiteboard.servlet.name=expkt management API"})
public final class ManagementApi extends HttpServlet {
    private static final long serialVersionUID = 1L;
    static final String ROOT = "/expkt/api";
    /** The largest jar taken (a protocol bundle is tens of kB; the whole host assembly is a few MB). */
    static final int MAX_BODY = 64 << 20;

    private final transient HttpAccess access;
    private final transient BundleOps bundles;
    private final transient ConfigOps configs;
    /** Optional and dynamic: the provider registers it once its data plane is up, and may be updated. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile transient ExpktRuntime runtime;

    @Activate
    public ManagementApi(BundleContext context, @Reference HttpAccess access, @Reference ConfigurationAdmin configAdmin,
            @Reference(cardinality = ReferenceCardinality.OPTIONAL) MetaTypeService metaType, @Reference ServiceComponentRuntime scr,
            @Reference(service = LoggerFactory.class) Logger log) {
        this.access = access;
        this.bundles = new BundleOps(context, scr, log);
        this.configs = new ConfigOps(context, configAdmin, metaType);
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.setHeader("Cache-Control", "no-store");
        String auth = req.getHeader("Authorization");
        if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7) || !access.restToken(auth.substring(7).strip())) {
            resp.setHeader("WWW-Authenticate", "Bearer realm=\"expkt\"");
            write(resp, 401, error(auth == null ? "no token: send Authorization: Bearer <the token in run/rest.token>" : "wrong token"));
            return;
        }
        String path = req.getPathInfo() == null ? "" : req.getPathInfo();
        String[] parts = path.replaceAll("^/+|/+$", "").split("/");
        try {
            Object result = route(req.getMethod(), parts, req);
            if (result instanceof Deferred d) {
                write(resp, 202, d.body());
                resp.flushBuffer(); // on the wire before the work that stops this server starts
                Thread t = new Thread(d.after(), "expkt-ops-refresh");
                t.setDaemon(true);
                t.start();
                return;
            }
            int status = req.getMethod().equals("POST") ? 201 : 200;
            write(resp, status, result);
        } catch (ApiException e) {
            Map<String, Object> body = error(e.getMessage());
            body.putAll(e.details);
            write(resp, e.status, body);
        }
    }

    private Object route(String method, String[] p, HttpServletRequest req) throws ApiException, IOException {
        String what = p.length == 0 ? "" : p[0];
        switch (what) {
            case "bundles" -> {
                if (p.length == 1) {
                    return switch (method) {
                        case "GET" -> bundles.list();
                        case "POST" -> bundles.install(body(req), !"false".equals(req.getParameter("start")));
                        default -> throw notAllowed(method, "GET, POST");
                    };
                }
                if (p.length == 2) {
                    long id = id(p[1]);
                    return switch (method) {
                        case "GET" -> bundles.get(id);
                        case "PUT" -> bundles.update(id, body(req), force(req));
                        case "DELETE" -> bundles.uninstall(id);
                        default -> throw notAllowed(method, "GET, PUT, DELETE");
                    };
                }
            }
            case "configs" -> {
                if (p.length == 1) {
                    if (!method.equals("GET")) {
                        throw notAllowed(method, "GET");
                    }
                    return configs.list();
                }
                if (p.length == 2) {
                    return switch (method) {
                        case "GET" -> configs.get(p[1]);
                        case "PUT" -> configs.put(p[1], json(req));
                        case "DELETE" -> configs.delete(p[1]);
                        default -> throw notAllowed(method, "GET, PUT, DELETE");
                    };
                }
            }
            case "runtime" -> {
                if (!method.equals("GET")) {
                    throw notAllowed(method, "GET");
                }
                ExpktRuntime rt = runtime;
                if (rt == null) {
                    throw new ApiException(503, "the provider's runtime service (expkt.api.runtime.ExpktRuntime) is not registered: is expkt.provider active?");
                }
                if (p.length == 1) {
                    return DtoJson.toJson(rt.snapshot());
                }
                if (p.length == 2) {
                    return DtoJson.toJson(switch (p[1]) {
                        case "dataPlane" -> rt.dataPlane();
                        case "ports" -> rt.ports();
                        case "vlans" -> rt.vlans();
                        case "vrs" -> rt.vrs();
                        case "filters" -> rt.filters();
                        case "sockets" -> rt.sockets();
                        case "vrSockets" -> rt.vrSockets();
                        case "handlers" -> rt.handlers();
                        case "lanes" -> rt.lanes();
                        case "fdb" -> rt.fdb(); // not in the snapshot: it asks the kernel for a fresh bridge-table dump first
                        default -> throw new ApiException(404, "no runtime part \"" + p[1] + "\" (dataPlane, ports, vlans, vrs, filters, sockets, vrSockets, handlers, lanes, fdb)");
                    });
                }
            }
            default -> {
                // below
            }
        }
        throw new ApiException(404, "no such resource: " + ROOT + "/" + String.join("/", p) + " (bundles, configs, runtime)");
    }

    /** {@code ?force=true}: update even if other bundles' components restart; {@code false} or absent: refuse then. */
    private static boolean force(HttpServletRequest req) throws ApiException {
        String f = req.getParameter("force");
        if (f == null || f.equals("false")) {
            return false;
        }
        if (f.equals("true")) {
            return true;
        }
        throw new ApiException(400, "force=\"" + f + "\" is neither true nor false");
    }

    private static long id(String s) throws ApiException {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new ApiException(400, "\"" + s + "\" is not a bundle id (a number)");
        }
    }

    private static ApiException notAllowed(String method, String allowed) {
        return new ApiException(405, method + " is not allowed here (" + allowed + ")");
    }

    private static byte[] body(HttpServletRequest req) throws ApiException, IOException {
        if (req.getContentLengthLong() > MAX_BODY) {
            throw new ApiException(413, "the body has " + req.getContentLengthLong() + " bytes; at most " + MAX_BODY + " are taken");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[65536];
        try (InputStream in = req.getInputStream()) {
            for (int n; (n = in.read(buf)) >= 0;) {
                out.write(buf, 0, n);
                if (out.size() > MAX_BODY) {
                    throw new ApiException(413, "the body has more than " + MAX_BODY + " bytes");
                }
            }
        }
        return out.toByteArray();
    }

    private static Object json(HttpServletRequest req) throws ApiException, IOException {
        byte[] b = body(req);
        try {
            return JSON.std.anyFrom(b);
        } catch (IOException e) {
            throw new ApiException(400, "the body is not JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    private static Map<String, Object> error(String message) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("error", message);
        return m;
    }

    private static void write(HttpServletResponse resp, int status, Object body) throws IOException {
        resp.setStatus(status);
        resp.setContentType("application/json");
        resp.setCharacterEncoding("UTF-8");
        byte[] bytes = JSON.std.with(JSON.Feature.PRETTY_PRINT_OUTPUT).asBytes(body instanceof List<?> l ? l : body);
        resp.setContentLength(bytes.length + 1);
        resp.getOutputStream().write(bytes);
        resp.getOutputStream().write('\n');
    }
}
