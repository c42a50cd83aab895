package expkt.provider.component;

import expkt.provider.whiteboard.HandlerProperties;
import expkt.provider.whiteboard.HandlerRuntime;
import expkt.api.handler.PacketHandler;
import expkt.provider.dispatch.BusyPoll;
import expkt.provider.socket.PacketSocketImpl;
import expkt.api.packet.Filter;
import expkt.api.spi.BundleIdentity;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The OSGi whiteboard of {@link PacketHandler} services: each one that appears is handed to the
 * {@link HandlerRuntime} with the filter its properties describe; each one that goes away is parked
 * (its socket, ring and kernel rules kept for its successor) and released after the grace period
 * (framework property {@value #GRACE_PROPERTY}, milliseconds, default
 * {@value HandlerRuntime#DEFAULT_GRACE_MILLIS}). A bundle event UPDATED restarts the grace period of
 * that bundle's parked handlers, so a slow restart of version 2 still adopts them.
 *
 * <p>A handler service whose properties are bad (no filter name, a malformed MAC, a filter name in use)
 * is not served: the error is logged naming the value and shown by {@code expkt:handlers}.
 *
 * <p>A handler service whose {@code expkt.filter.*} or {@code expkt.rx.mode} properties change while it
 * is registered moves to a socket with the new filter and mode ({@link #updatedHandler}).
 *
 * <p>Threading: bind/unbind/updated run on the framework's threads (for an update, the thread calling
 * {@code Bundle.update}); unbind waits for the frame the handler is handling, up to the dispatch
 * deadline and holding no lock another bundle needs, so a handler's deactivate method (which runs
 * after its service is unregistered) sees every frame it was given; a handler stuck past the deadline
 * is abandoned ({@link HandlerRuntime}).
 */
@Component(service = HandlerWhiteboard.class, immediate = true)
public final class HandlerWhiteboard {
    public static final String GRACE_PROPERTY = "expkt.upgrade.grace.ms";

    private final Logger logger;
    private final HandlerRuntime runtime;
    private final BundleContext context;
    private final Map<ServiceReference<PacketHandler>, HandlerRuntime.Registration> registrations = new ConcurrentHashMap<>();
    private final SynchronousBundleListener bundleListener;

    @Activate
    public HandlerWhiteboard(BundleContext context, @Reference L2Provider provider,
                             @Reference(service = LoggerFactory.class) Logger logger) {
        this.context = context;
        this.logger = logger;
        this.runtime = new HandlerRuntime(provider.engine(), grace(context.getProperty(GRACE_PROPERTY)),
                new expkt.provider.core.ProviderLog() {
                    @Override
                    public void info(String message) {
                        logger.info(message);
                    }

                    @Override
                    public void warn(String message, Throwable cause) {
                        logger.warn(message, cause);
                    }

                    @Override
                    public void error(String message, Throwable cause) {
                        logger.error(message, cause);
                    }
                });
        this.bundleListener = event -> {
            if (event.getType() == BundleEvent.UPDATED && event.getBundle().getSymbolicName() != null) {
                runtime.bundleUpdated(event.getBundle().getSymbolicName());
            }
        };
        context.addBundleListener(bundleListener);
    }

    static long grace(String value) {
        if (value == null || value.isBlank()) {
            return HandlerRuntime.DEFAULT_GRACE_MILLIS;
        }
        try {
            long ms = Long.parseLong(value.strip());
            if (ms < 0) {
                throw new IllegalArgumentException("framework property " + GRACE_PROPERTY + " = " + value + " is negative");
            }
            return ms;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("framework property " + GRACE_PROPERTY + " = \"" + value
                    + "\" is not a number of milliseconds", e);
        }
    }

    public HandlerRuntime runtime() {
        return runtime;
    }

    @Reference(service = PacketHandler.class, cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            unbind = "removeHandler", updated = "updatedHandler")
    void addHandler(PacketHandler handler, ServiceReference<PacketHandler> ref) {
        Bundle b = ref.getBundle();
        if (b == null) {
            return; // unregistered meanwhile
        }
        BundleIdentity who = bundleIdentity(b);
        Map<String, Object> props = properties(ref);
        String name = String.valueOf(props.get(PacketHandler.FILTER_NAME));
        try {
            Filter filter = HandlerProperties.filter(props);
            int busyPoll = busyPollMicros(props, name);
            HandlerRuntime.Registration r = runtime.register(who, filter, HandlerProperties.rxMode(props), HandlerProperties.lanes(props),
                    handler);
            registrations.put(ref, r);
            applyBusyPoll(r, busyPoll);
            logger.info("expkt handlers: serving filter \"{}\" ({}) of {}", filter.name(), filter.describeMatch(), who.withVersion());
        } catch (Exception e) {
            runtime.rejected(who, name, e.getMessage());
            logger.error("expkt handlers: cannot serve the handler of {} (filter {}): {}", who.withVersion(), name, e.getMessage());
        }
    }

    private static BundleIdentity bundleIdentity(Bundle b) {
        return BundleIdentity.of(b.getBundleId(),
                b.getSymbolicName() == null ? "bundle-" + b.getBundleId() : b.getSymbolicName(), b.getVersion().toString());
    }

    private static Map<String, Object> properties(ServiceReference<PacketHandler> ref) {
        Map<String, Object> props = new HashMap<>();
        for (String k : ref.getPropertyKeys()) {
            props.put(k, ref.getProperty(k));
        }
        return props;
    }

    /**
     * The handler service's properties changed (its component's {@code modified}, or
     * {@code ServiceRegistration.setProperties}): a changed filter or receive mode ({@code expkt.filter.*},
     * {@code expkt.rx.mode}, {@code expkt.handler.lanes}) is applied: the handler moves to a socket with the new filter (the old one
     * is closed at once, nobody will adopt it); other property changes change nothing. A handler that
     * was rejected is tried again with its new properties.
     */
    void updatedHandler(PacketHandler handler, ServiceReference<PacketHandler> ref) {
        Bundle b = ref.getBundle();
        if (b == null) {
            return;
        }
        HandlerRuntime.Registration r = registrations.get(ref);
        Map<String, Object> props = properties(ref);
        if (r == null) {
            runtime.forgetRejected(b.getBundleId(), String.valueOf(props.get(PacketHandler.FILTER_NAME)));
            addHandler(handler, ref);
            return;
        }
        Filter filter;
        expkt.api.packet.RxMode mode;
        int lanes;
        int busyPoll;
        try {
            filter = HandlerProperties.filter(props);
            mode = HandlerProperties.rxMode(props);
            lanes = HandlerProperties.lanes(props);
            busyPoll = busyPollMicros(props, String.valueOf(props.get(PacketHandler.FILTER_NAME)));
        } catch (RuntimeException e) {
            // the new properties are bad: the handler stops being served, and says why
            registrations.remove(ref);
            runtime.unregisterAndRelease(r);
            runtime.rejected(bundleIdentity(b), String.valueOf(props.get(PacketHandler.FILTER_NAME)), e.getMessage());
            logger.error("expkt handlers: the changed properties of the handler of {} are bad: {}", bundleIdentity(b).withVersion(), e.getMessage());
            return;
        }
        if (filter.equals(r.filter()) && mode == r.socket().rxMode() && lanes == r.lanes()) {
            applyBusyPoll(r, busyPoll); // in place: the lane reads it before its next wait
            return;
        }
        logger.info("expkt handlers: the handler of {} changed its filter \"{}\" from {} ({}) to {} ({}): it moves to a new socket",
                bundleIdentity(b).withVersion(), r.filter().name(), r.filter(), r.socket().rxMode(), filter, mode);
        registrations.remove(ref);
        runtime.unregisterAndRelease(r);
        addHandler(handler, ref);
    }

    /**
     * The handler's busy-poll budget from {@link expkt.api.packet.RxMode#BUSY_POLL_PROPERTY} (µs), or -1
     * when absent (the host default). A bad value rejects the handler, naming it.
     */
    static int busyPollMicros(Map<String, ?> props, String name) {
        Object v = props.get(expkt.api.packet.RxMode.BUSY_POLL_PROPERTY);
        return v == null ? -1 : BusyPoll.parseMicros(v, "handler \"" + name + "\": " + expkt.api.packet.RxMode.BUSY_POLL_PROPERTY);
    }

    private static void applyBusyPoll(HandlerRuntime.Registration r, int micros) {
        for (PacketSocketImpl s : r.sockets()) {
            s.busyPollMicros(micros);
        }
    }

    void removeHandler(PacketHandler handler, ServiceReference<PacketHandler> ref) {
        HandlerRuntime.Registration r = registrations.remove(ref);
        if (r != null) {
            runtime.unregister(r);
        } else {
            Bundle b = ref.getBundle();
            Object name = ref.getProperty(PacketHandler.FILTER_NAME);
            if (b != null) {
                runtime.forgetRejected(b.getBundleId(), String.valueOf(name));
            }
        }
    }

    /**
     * The {@code service.id} of the handler service served for bundle {@code bundleId}'s filter
     * {@code filterName}, or -1 if none is (parked, rejected, stuck): for the runtime DTOs.
     */
    public long serviceId(long bundleId, String filterName) {
        for (Map.Entry<ServiceReference<PacketHandler>, HandlerRuntime.Registration> e : registrations.entrySet()) {
            HandlerRuntime.Registration r = e.getValue();
            if (r.bundle().bundleId() == bundleId && r.filter().name().equals(filterName)
                    && e.getKey().getProperty(org.osgi.framework.Constants.SERVICE_ID) instanceof Long id) {
                return id;
            }
        }
        return -1;
    }

    /** The rows of {@code expkt:handlers}. */
    public List<HandlerRuntime.Info> handlers() {
        return runtime.handlers();
    }

    @Deactivate
    void deactivate() {
        context.removeBundleListener(bundleListener);
        runtime.close();
    }
}
