package expkt.provider.whiteboard;

import expkt.api.handler.PacketHandler;
import expkt.api.packet.Filter;
import expkt.provider.osgi.L2Provider;
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
 * <p>Threading: bind/unbind run on the framework's threads (for an update, the thread calling
 * {@code Bundle.update}); unbind waits for the frame the handler is handling, so a handler's
 * deactivate method (which runs after its service is unregistered) sees every frame it was given.
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
            unbind = "removeHandler")
    void addHandler(PacketHandler handler, ServiceReference<PacketHandler> ref) {
        Bundle b = ref.getBundle();
        if (b == null) {
            return; // unregistered meanwhile
        }
        HandlerRuntime.BundleRef who = new HandlerRuntime.BundleRef(b.getBundleId(),
                b.getSymbolicName() == null ? "bundle-" + b.getBundleId() : b.getSymbolicName(), b.getVersion().toString());
        Map<String, Object> props = new HashMap<>();
        for (String k : ref.getPropertyKeys()) {
            props.put(k, ref.getProperty(k));
        }
        String name = String.valueOf(props.get(PacketHandler.FILTER_NAME));
        try {
            Filter filter = HandlerProperties.filter(props);
            registrations.put(ref, runtime.register(who, filter, HandlerProperties.rxMode(props), handler));
            logger.info("expkt handlers: serving filter \"{}\" ({}) of {}", filter.name(), filter.describeMatch(), who);
        } catch (Exception e) {
            runtime.rejected(who, name, e.getMessage());
            logger.error("expkt handlers: cannot serve the handler of {} (filter {}): {}", who, name, e.getMessage());
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
