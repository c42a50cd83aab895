package expkt.provider.component;

import expkt.api.spi.EngineHandover;
import expkt.api.spi.ParkedDataPlane;
import expkt.api.spi.VrNamespaces;
import expkt.api.vr.VirtualRouter;
import expkt.api.vr.VrBackend;
import expkt.api.vr.VirtualRouters;
import expkt.linux.StructLayouts;
import expkt.linux.Nftables;
import expkt.linux.SharedDispatcher;
import expkt.provider.dataplane.DataPlane;
import expkt.provider.dataplane.DataPlaneSettings;
import expkt.provider.socket.L2Engine;
import expkt.provider.core.VrScope;
import expkt.provider.select.LaneSharedDispatcher;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;

import java.io.IOException;
import java.util.Map;

/**
 * The provider's singleton: the data plane (framework property {@code expkt.dataplane.netns}: an
 * {@code ip netns} name or a path, empty for the host's own namespace; {@code expkt.dataplane.vr}: the
 * VR it is, default VR-Default) with its ConfigAdmin configuration, and the {@link L2Engine}. The
 * per-bundle {@code PacketService} and the Gogo commands use it.
 *
 * <p>The configuration is read from the raw properties ({@link DataPlaneSettings#from}), not through
 * the {@link DataPlaneConfiguration} annotation (which stays for the Metatype): the annotation maps
 * unknown keys to nothing and unconvertible numbers to defaults, which applied a misspelled
 * configuration as if it were empty. A configuration is checked whole and applied whole, or not at
 * all.
 *
 * <p>The VR registry ({@code expkt.api.vr.VirtualRouters}, bundle expkt.vr) is optional and dynamic:
 * with it, filters may name any VR it knows; without it the data plane is the only VR.
 *
 * <p>One host per data plane: activation fails, naming the other host's pid, when another host manages
 * the namespace. Without nftables (framework properties {@code expkt.nftables.library} and
 * {@code expkt.nftables.binary} say where it is looked for) it still activates, with copy-only filters.
 */
@Designate(ocd = DataPlaneConfiguration.class)
@Component(service = L2Provider.class, configurationPid = DataPlaneConfiguration.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL, immediate = true)
public final class L2Provider {
    public static final String NETNS_PROPERTY = "expkt.dataplane.netns";
    public static final String VR_PROPERTY = "expkt.dataplane.vr";

    private final Logger logger;
    private final BundleContext context;
    /** The data plane's namespace as the framework property names it (empty: the host's own). */
    private final String netns;
    /** This revision, as the keeper shows it ({@link PacketEngineComponent#revision}). */
    private final String revision;
    private final DataPlane dataPlane;
    private final L2Engine engine;
    private final String vrName;
    private final int vrId;
    /** The lanes offered to expkt.vr for L3/raw callbacks (a plain registration: see LaneSharedDispatcher). */
    private final ServiceRegistration<SharedDispatcher> sharedDispatcher;
    /** The last configuration's raw properties: re-applied when the VR registry or its VRs change if its ports name VRs. */
    private volatile Map<String, Object> lastProperties;
    /** Orders {@link #apply}: ConfigAdmin's thread, SCR's bind thread and {@link #vrChanges} must not interleave. */
    private final Object configLock = new Object();
    /**
     * Re-applies a configuration whose ports name VRs after the registry added or removed a VR: its own
     * thread (none while idle), so expkt.vr's activation never runs the provider's data-plane work.
     */
    private final java.util.concurrent.ThreadPoolExecutor vrChanges = new java.util.concurrent.ThreadPoolExecutor(0, 1,
            5, java.util.concurrent.TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>(),
            r -> new Thread(r, "expkt-vr-ports"));
    /** The registry's change notice while bound, or null. */
    private volatile AutoCloseable vrWatch;
    /**
     * Set first thing in {@link #deactivate}: a VR re-apply still queued does nothing, and one that the
     * deactivation had to interrupt is not a configuration the operator must fix (no ERROR, no REJECTED).
     */
    private volatile boolean deactivating;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, bind = "bindVirtualRouters", unbind = "unbindVirtualRouters")
    private volatile VirtualRouters virtualRouters;

    @Activate
    public L2Provider(BundleContext context, Map<String, Object> properties,
                      @Reference(service = LoggerFactory.class) Logger logger) throws IOException {
        this.logger = logger;
        this.context = context;
        // on an architecture whose C struct layouts expkt.linux does not know: refuse, naming it
        StructLayouts.requireKnownArchitecture();
        String netns = context.getProperty(NETNS_PROPERTY);
        this.netns = netns == null ? "" : netns.strip();
        this.revision = PacketEngineComponent.revision(context.getBundle());
        String vr = context.getProperty(VR_PROPERTY);
        this.vrName = vr == null || vr.isBlank() ? VirtualRouter.VR_DEFAULT_NAME : vr.strip();
        this.vrId = switch (vrName) {
            case VirtualRouter.VR_MGMT_NAME -> VirtualRouter.VR_MGMT;
            case VirtualRouter.VR_CONTROL_NAME -> VirtualRouter.VR_CONTROL;
            default -> VirtualRouter.VR_DEFAULT;
        };
        this.dataPlane = new DataPlane(netns, vrName, vrId);
        try {
            // a configuration refused at activation leaves the built-in defaults in force, shown as
            // REJECTED in expkt:ports (the provider stays up so that the operator can see why)
            DataPlaneSettings settings = apply(properties);
            DataPlaneSettings ring = settings == null ? DataPlaneSettings.DEFAULT : settings;
            // the kernel part the previous revision parked with the keeper when it stopped for an update, if any
            ParkedDataPlane parked = withHandover(EngineHandover::take);
            this.engine = new L2Engine(dataPlane, scope(),
                    new L2Engine.RingConfig(ring.ringBlockSize(), ring.ringBlockCount(), ring.ringRetireMillis()),
                    new OsgiLog(logger), new Nftables.Locations(context.getProperty(Nftables.LIBRARY_PROPERTY),
                            context.getProperty(Nftables.BINARY_PROPERTY)), parked);
            engine.stoppingForUpdate(this::stoppingForUpdate);
            engine.socketHandover(revision, new L2Engine.SocketHandover() {
                @Override
                public boolean park(long token, expkt.api.spi.ParkedSocket part) {
                    return Boolean.TRUE.equals(withHandover(h -> {
                        h.parkSocket(token, part);
                        return Boolean.TRUE;
                    }));
                }

                @Override
                public expkt.api.spi.ParkedSocket take(long token) {
                    return withHandover(h -> h.takeSocket(token));
                }
            });
            String outcome = engine.handoverOutcome();
            withHandover(h -> {
                h.taken(revision, outcome);
                return null;
            });
            followRegistry();
        } catch (IOException | RuntimeException e) {
            dataPlane.close();
            throw e;
        }
        try {
            this.sharedDispatcher = context.registerService(SharedDispatcher.class,
                    new LaneSharedDispatcher(engine.dispatcher()), null);
        } catch (RuntimeException e) {
            engine.close();
            dataPlane.close();
            throw e;
        }
    }

    public L2Engine engine() {
        return engine;
    }

    @Modified
    void modified(Map<String, Object> properties) {
        followRing(apply(properties));
    }

    /**
     * Makes the ring geometry of an accepted configuration ({@code settings}; null: refused, nothing to
     * do) the one of sockets opened from now on. Called after every application that can accept a
     * configuration: {@link #modified}, and the re-apply when the VR registry changes — a configuration
     * naming VRs that arrived before them is refused, then accepted by that re-apply, whose ring geometry
     * was lost (the defaults of the activation stayed).
     */
    private void followRing(DataPlaneSettings settings) {
        L2Engine engine = this.engine;
        if (settings == null || engine == null) {
            return; // refused; or still activating: the constructor makes the engine with these settings' ring
        }
        // FileInstall often delivers the configuration after the provider activated with the defaults:
        // the ring geometry must follow too (for the sockets opened from now on), or it is silently lost
        L2Engine.RingConfig ring = new L2Engine.RingConfig(settings.ringBlockSize(), settings.ringBlockCount(),
                settings.ringRetireMillis());
        if (engine.ringConfig(ring)) {
            logger.info("expkt receive rings of sockets opened from now on: {} blocks of {} bytes, retired after {} ms "
                    + "(open sockets keep theirs)", ring.blockNr(), ring.blockSize(), ring.retireMillis());
        }
    }

    /**
     * Reads and checks the whole configuration, then applies its ports and VLANs. Returns the settings
     * whose ring geometry is to follow, or null if the configuration was refused: then nothing of it
     * is in force, the previous configuration stays, and the reason is logged and shown by
     * {@code expkt:ports}.
     */
    private DataPlaneSettings apply(Map<String, Object> properties) {
        synchronized (configLock) {
            return applyLocked(properties);
        }
    }

    private DataPlaneSettings applyLocked(Map<String, Object> properties) {
        lastProperties = properties;
        DataPlaneSettings settings;
        try {
            settings = DataPlaneSettings.from(properties);
        } catch (IllegalArgumentException e) {
            dataPlane.reject(e.getMessage());
            logger.error("expkt data plane configuration rejected as a whole, the previous one stays in force: {}", e.getMessage());
            return null;
        }
        try {
            dataPlane.configure(settings.ports().toArray(String[]::new), settings.vlans().toArray(String[]::new));
            logger.info("expkt data plane configured: {}", dataPlane.model());
            return settings;
        } catch (IllegalArgumentException e) {
            logger.error("expkt data plane configuration rejected as a whole, the previous one stays in force: {}", e.getMessage());
        } catch (IOException e) {
            if (deactivating) {
                logger.info("expkt data plane: a configuration re-apply was cut short because the provider is stopping: {}", e.toString());
                return null;
            }
            dataPlane.reject("could not be applied: " + e);
            logger.error("expkt data plane configuration could not be applied: {}", e.toString());
        }
        return null;
    }

    void bindVirtualRouters(VirtualRouters vrs) {
        this.virtualRouters = vrs;
        if (vrs instanceof VrNamespaces ns) {
            // a configuration naming VR-A may come before VR-A's own configuration (FileInstall's order at start):
            // it is refused then, and applied again here once VR-A exists
            closeVrWatch();
            vrWatch = ns.onVrChange(() -> vrChanges.execute(this::reapplyVrPorts));
        }
        if (engine != null) {
            engine.vrScope(scope());
            followRegistry();
            reapplyVrPorts();
        }
    }

    /**
     * Where the VRs named in port entries ({@code 2:1=p1 vr=VR-A}) live: the registry's namespace of
     * that VR. Without the registry only the data plane's own VR is known; a VRF VR has no namespace of
     * its own for ports and is refused, naming it.
     */
    private DataPlane.VrLocator locator(VirtualRouters vrs) {
        if (vrs == null) {
            return null;
        }
        return name -> {
            VirtualRouter v = vrs.byName(name);
            if (v.backend() != VrBackend.NETNS) {
                throw new IllegalArgumentException("VR " + v.name() + " is a " + v.backend() + " VR (device " + v.location()
                        + "): ports can only be put in a namespace VR");
            }
            return new DataPlane.VrLocation(v.name(), v.id(), v.location());
        };
    }

    /** The VR registry came or went: a configuration whose ports name VRs is applied again (accepted or refused anew). */
    private void reapplyVrPorts() {
        if (deactivating) {
            return; // the data plane closes next: nothing to apply it to
        }
        Map<String, Object> p = lastProperties;
        Object ports = p == null ? null : p.get(DataPlaneSettings.PORTS);
        if (ports != null && (ports instanceof String[] a ? String.join(" ", a) : String.valueOf(ports)).contains("vr=")) {
            followRing(apply(p));
        }
    }

    private void closeVrWatch() {
        AutoCloseable w = vrWatch;
        vrWatch = null;
        if (w != null) {
            try {
                w.close();
            } catch (Exception e) {
                logger.error("expkt data plane: cannot stop following the VR registry's changes: {}", e.toString());
            }
        }
    }

    void unbindVirtualRouters(VirtualRouters vrs) {
        if (this.virtualRouters == vrs) {
            closeVrWatch();
            this.virtualRouters = null;
            if (engine != null) {
                engine.vrScope(scope());
                followRegistry();
                reapplyVrPorts();
            }
        }
    }

    /** The data plane is the VR the registry says its namespace is; without the registry, the framework property's. */
    private void followRegistry() {
        VirtualRouters vrs = virtualRouters;
        dataPlane.vrLocator(locator(vrs));
        try {
            // the registry's service object also answers which VR a namespace is (expkt.api.spi, provider-only)
            VirtualRouter v = vrs instanceof VrNamespaces ns ? ns.byNamespaceInode(dataPlane.namespaceInode()).orElse(null) : null;
            if (v != null) {
                dataPlane.vr(v.name(), v.id());
            } else {
                dataPlane.vr(vrName, vrId);
            }
        } catch (IOException | RuntimeException e) {
            logger.error("expkt data plane: cannot follow the VR registry: {}", e.toString());
        }
    }

    private VrScope scope() {
        VirtualRouters vrs = virtualRouters;
        if (vrs == null) {
            return VrScope.single(vrName, vrId);
        }
        return new VrScope() {
            @Override
            public Vr byName(String name) {
                VirtualRouter v = vrs.byName(name);
                return new Vr(v.id(), v.name(), v.id() == dataPlane.vrId());
            }

            @Override
            public Vr byId(int id) {
                VirtualRouter v = vrs.byId(id);
                return new Vr(v.id(), v.name(), v.id() == dataPlane.vrId());
            }
        };
    }

    @Deactivate
    void deactivate() {
        deactivating = true;
        closeVrWatch();
        // a re-apply in progress ends before the engine and data plane close under it (bounded: a configure
        // is local work); it is not interrupted first, since an interrupted configure would be half-applied
        vrChanges.shutdown();
        try {
            if (!vrChanges.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS)) {
                vrChanges.shutdownNow();
                logger.error("expkt data plane: a configuration re-applied after a VR change did not end within 5 s; closing anyway");
            }
        } catch (InterruptedException e) {
            vrChanges.shutdownNow();
            Thread.currentThread().interrupt();
        }
        try {
            sharedDispatcher.unregister();
        } catch (IllegalStateException alreadyGone) {
            // the framework unregistered it with the bundle
        }
        if (stoppingForUpdate() && withHandover(h -> h) != null) {
            // the next revision adopts the punt namespace, links and table (the keeper discards them after its grace period)
            ParkedDataPlane parked = engine.park(revision, netns);
            if (parked != null) {
                ParkedDataPlane p = parked;
                Object done = withHandover(h -> {
                    h.park(p);
                    return Boolean.TRUE;
                });
                if (done == null) {
                    logger.warn("expkt data plane: the keeper went while the provider parked its kernel part; it stays until the "
                            + "next revision starts (which removes it as a leftover) or the host ends: {}", p);
                } else {
                    logger.info("expkt data plane: stopping for an update, parked {}", p);
                }
            }
        } else {
            engine.close();
        }
        dataPlane.close();
    }

    /**
     * True while this bundle stops to start again: STOPPING while still persistently started (an update, a
     * refresh; an operator's stop marks it not persistently started first) and the framework not stopping.
     */
    boolean stoppingForUpdate() {
        try {
            org.osgi.framework.Bundle b = context.getBundle();
            if (b.getState() != org.osgi.framework.Bundle.STOPPING) {
                return false;
            }
            org.osgi.framework.startlevel.BundleStartLevel level = b.adapt(org.osgi.framework.startlevel.BundleStartLevel.class);
            org.osgi.framework.Bundle system = context.getBundle(0);
            return level != null && level.isPersistentlyStarted() && system != null
                    && system.getState() != org.osgi.framework.Bundle.STOPPING;
        } catch (IllegalStateException | SecurityException e) {
            return false;
        }
    }

    /** Runs {@code call} with the keeper's {@link EngineHandover} if one is registered; null without. Never throws. */
    private <T> T withHandover(java.util.function.Function<EngineHandover, T> call) {
        try {
            org.osgi.framework.ServiceReference<EngineHandover> ref = context.getServiceReference(EngineHandover.class);
            if (ref == null) {
                return null;
            }
            EngineHandover h = context.getService(ref);
            if (h == null) {
                return null;
            }
            try {
                return call.apply(h);
            } finally {
                try {
                    context.ungetService(ref);
                } catch (IllegalStateException ignored) {
                    // stopping
                }
            }
        } catch (IllegalStateException | SecurityException e) {
            return null;
        }
    }
}
