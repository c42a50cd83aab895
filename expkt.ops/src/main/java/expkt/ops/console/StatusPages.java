package expkt.ops.console;

import java.util.Hashtable;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import expkt.api.status.StatusPage;
import jakarta.servlet.Servlet;

/**
 * The whiteboard of protocol pages: every {@link StatusPage} service a bundle registers becomes a
 * page of the web console (category expkt, label {@code expkt-<name>}), a {@link ProtocolPage}
 * servlet registered by this bundle, unregistered when the service goes (its bundle stopped or
 * updated). The protocol needs no servlet API: it returns tables, this bundle renders them.
 *
 * <p>A service without a valid {@value StatusPage#NAME} property, or with a name another page has,
 * is not shown, and an ERROR names its bundle and why (the host's verdict counts ERROR entries).
 *
 * <p>Threading: SCR calls the bind and unbind methods, possibly concurrently for different
 * services; the maps are concurrent and each name is claimed atomically. The pages call
 * {@link StatusPage#status()} on virtual threads of {@link #calls}, never on a request thread without
 * a deadline.
 */
@Component(immediate = true)
public final class StatusPages {
    /** Page names: what {@link StatusPage#NAME} allows. */
    static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,39}");
    /** The names of the expkt pages of {@link RuntimePages}: a protocol page may not take them. */
    static final Set<String> RESERVED = Set.of("ports", "vlans", "vrs", "filters", "sockets", "handlers", "lanes");

    private final BundleContext context;
    private final Logger log;
    private final ExecutorService calls = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("expkt-status-page-", 0).factory());
    /** service.id of a StatusPage → its servlet's registration. */
    private final Map<Long, ServiceRegistration<Servlet>> pages = new ConcurrentHashMap<>();
    /** page name → service.id of the StatusPage that has it. */
    private final Map<String, Long> names = new ConcurrentHashMap<>();
    private volatile boolean closed;

    @Activate
    public StatusPages(BundleContext context, @Reference(service = LoggerFactory.class) Logger log) {
        this.context = context;
        this.log = log;
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addPage(StatusPage page, ServiceReference<StatusPage> ref) {
        long id = (Long) ref.getProperty(Constants.SERVICE_ID);
        String who = "bundle " + ref.getBundle().getBundleId() + " " + ref.getBundle().getSymbolicName();
        Object n = ref.getProperty(StatusPage.NAME);
        String name = n instanceof String s ? s : null;
        String refused = name == null ? "it has no " + StatusPage.NAME + " property (a String)"
                : !NAME.matcher(name).matches() ? StatusPage.NAME + " \"" + name + "\" is not a page name ([a-z][a-z0-9-]{0,39})"
                : RESERVED.contains(name) ? StatusPage.NAME + " \"" + name + "\" is an expkt page of the host's own"
                : null;
        if (refused == null) {
            Long had = names.putIfAbsent(name, id);
            if (had != null && had != id) {
                refused = StatusPage.NAME + " \"" + name + "\" is taken by the page of service " + had;
            }
        }
        if (refused != null) {
            log.error("expkt ops: the status page of {} (service {}) is not shown: {}", who, id, refused);
            return;
        }
        Object t = ref.getProperty(StatusPage.TITLE);
        String title = t instanceof String s && !s.isBlank() ? s : name;
        ProtocolPage servlet = new ProtocolPage(ProtocolPage.LABEL_PREFIX + name, title, who, page, calls);
        Hashtable<String, Object> props = new Hashtable<>();
        props.put("felix.webconsole.label", servlet.label);
        props.put("felix.webconsole.title", title);
        props.put("felix.webconsole.category", RuntimePage.CATEGORY);
        ServiceRegistration<Servlet> reg = context.registerService(Servlet.class, servlet, props);
        pages.put(id, reg);
        if (closed || !Long.valueOf(id).equals(names.get(name))) { // deactivated or removed meanwhile
            removePage(page, ref);
        }
    }

    void removePage(StatusPage page, ServiceReference<StatusPage> ref) {
        long id = (Long) ref.getProperty(Constants.SERVICE_ID);
        ServiceRegistration<Servlet> reg = pages.remove(id);
        names.values().remove(id);
        unregister(reg);
    }

    @Deactivate
    void deactivate() {
        closed = true;
        for (Long id : Set.copyOf(pages.keySet())) {
            unregister(pages.remove(id));
        }
        names.clear();
        calls.shutdownNow(); // a page stuck in status() keeps its virtual thread until it returns; nobody waits for it
    }

    private static void unregister(ServiceRegistration<Servlet> reg) {
        if (reg == null) {
            return;
        }
        try {
            reg.unregister();
        } catch (IllegalStateException gone) {
            // this bundle is stopping: its services are gone already
        }
    }
}
