package expkt.ops.metrics;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.LongAdder;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleListener;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

import expkt.api.runtime.ExpktRuntime;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * {@code GET /metrics}: the Prometheus text exposition format (version 0.0.4), written by the
 * official client's {@link PrometheusTextFormatWriter} from a registry of this component's own (not
 * the client's static default registry, which would outlive an update of this bundle):
 * {@link RuntimeCollector}'s families, {@code expkt_bundle_events_total} {bundle, event} (installed,
 * updated, started, stopped, uninstalled, ...), {@code expkt_bundle_errors_total} {bundle} (framework
 * ERROR events: a bundle that failed to start or to resolve), {@code expkt_components} {state} (DS
 * components per state, {@code failed_activation} among them) and the client's JVM metrics
 * ({@code jvm_*}, {@code process_*}).
 *
 * <p>Not behind the token: it binds where the rest of HTTP does (127.0.0.1 by default) and shows
 * counters, no configuration; see SECURITY.md.
 *
 * <p>Threading: the framework's event threads update the counters, Jetty's request threads scrape;
 * the client's counters are thread-safe.
 */
// immediate: counts bundle events from the host's start, not from the first scrape
@Component(service = Servlet.class, immediate = true, property = {
        "osgi.http.whiteboard.servlet.pattern=/metrics",
        "osgi.http.whiteboard.servlet.name=expkt metrics"})
public final class MetricsServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private final transient BundleContext context;
    private final transient PrometheusRegistry registry = new PrometheusRegistry();
    /**
     * Bundle events and errors, counted here and written as counters on scrape. Not the client's
     * {@code Counter}: its exemplar support loads the optional tracer bundles, which the host does not
     * have (NoClassDefFoundError on the first increment).
     */
    private final transient ConcurrentMap<List<String>, LongAdder> bundleEvents = new ConcurrentHashMap<>();
    private final transient ConcurrentMap<String, LongAdder> bundleErrors = new ConcurrentHashMap<>();
    private final transient BundleListener bundleListener;
    private final transient FrameworkListener frameworkListener;
    private final transient PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile transient ExpktRuntime runtime;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile transient ServiceComponentRuntime scr;

    @Activate
    public MetricsServlet(BundleContext context) {
        this.context = context;
        JvmMetrics.builder().register(registry);
        registry.register(new RuntimeCollector(() -> runtime));
        registry.register(this::components);
        registry.register(this::bundles);
        this.bundleListener = e -> bundleEvents.computeIfAbsent(List.of(name(e.getBundle()), event(e.getType())), k -> new LongAdder()).increment();
        this.frameworkListener = e -> {
            if (e.getType() == FrameworkEvent.ERROR) {
                bundleErrors.computeIfAbsent(name(e.getBundle()), k -> new LongAdder()).increment();
            }
        };
        context.addBundleListener(bundleListener);
        context.addFrameworkListener(frameworkListener);
    }

    @Deactivate
    void deactivate() {
        context.removeBundleListener(bundleListener);
        context.removeFrameworkListener(frameworkListener);
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);
        writer.write(out, registry.scrape(), io.prometheus.metrics.config.EscapingScheme.UNDERSCORE_ESCAPING);
        resp.setStatus(200);
        resp.setContentType(writer.getContentType());
        resp.setHeader("Cache-Control", "no-store");
        resp.setContentLength(out.size());
        out.writeTo(resp.getOutputStream());
    }

    private MetricSnapshots bundles() {
        CounterSnapshot.Builder events = CounterSnapshot.builder().name("expkt_bundle_events").help("Bundle lifecycle events since this host started");
        new TreeMap<>(Map.copyOf(bundleEvents.entrySet().stream().collect(java.util.stream.Collectors.toMap(e -> e.getKey().get(0) + "\u0000" + e.getKey().get(1), e -> e.getValue().sum()))))
                .forEach((k, n) -> {
                    String[] be = k.split("\u0000", 2);
                    events.dataPoint(CounterDataPointSnapshot.builder().labels(Labels.of("bundle", be[0], "event", be[1])).value(n).build());
                });
        CounterSnapshot.Builder errors = CounterSnapshot.builder().name("expkt_bundle_errors")
                .help("Framework ERROR events per bundle (failed to start, resolve or refresh) since this host started");
        new TreeMap<>(bundleErrors).forEach((b, n) -> errors.dataPoint(CounterDataPointSnapshot.builder().labels(Labels.of("bundle", b)).value(n.sum()).build()));
        return MetricSnapshots.of(events.build(), errors.build());
    }

    private MetricSnapshots components() {
        ServiceComponentRuntime s = scr;
        if (s == null) {
            return new MetricSnapshots();
        }
        Map<String, Integer> byState = new TreeMap<>();
        for (String st : new String[] {"unsatisfied_configuration", "unsatisfied_reference", "satisfied", "active", "failed_activation", "disabled"}) {
            byState.put(st, 0);
        }
        for (ComponentDescriptionDTO d : s.getComponentDescriptionDTOs()) {
            if (!s.isComponentEnabled(d)) {
                byState.merge("disabled", 1, Integer::sum);
                continue;
            }
            for (ComponentConfigurationDTO c : s.getComponentConfigurationDTOs(d)) {
                byState.merge(state(c.state), 1, Integer::sum);
            }
        }
        GaugeSnapshot.Builder g = GaugeSnapshot.builder().name("expkt_components").help("DS component configurations per state (disabled: descriptions)");
        byState.forEach((st, n) -> g.dataPoint(GaugeDataPointSnapshot.builder().labels(Labels.of("state", st)).value(n).build()));
        return MetricSnapshots.of(g.build());
    }

    private static String state(int s) {
        return switch (s) {
            case ComponentConfigurationDTO.UNSATISFIED_CONFIGURATION -> "unsatisfied_configuration";
            case ComponentConfigurationDTO.UNSATISFIED_REFERENCE -> "unsatisfied_reference";
            case ComponentConfigurationDTO.SATISFIED -> "satisfied";
            case ComponentConfigurationDTO.ACTIVE -> "active";
            case ComponentConfigurationDTO.FAILED_ACTIVATION -> "failed_activation";
            default -> "unknown";
        };
    }

    private static String name(Bundle b) {
        return b == null || b.getSymbolicName() == null ? "" : b.getSymbolicName();
    }

    private static String event(int type) {
        return switch (type) {
            case BundleEvent.INSTALLED -> "installed";
            case BundleEvent.RESOLVED -> "resolved";
            case BundleEvent.LAZY_ACTIVATION -> "lazy_activation";
            case BundleEvent.STARTING -> "starting";
            case BundleEvent.STARTED -> "started";
            case BundleEvent.STOPPING -> "stopping";
            case BundleEvent.STOPPED -> "stopped";
            case BundleEvent.UPDATED -> "updated";
            case BundleEvent.UNRESOLVED -> "unresolved";
            case BundleEvent.UNINSTALLED -> "uninstalled";
            default -> "other";
        };
    }
}
