package expkt.provider.osgi;

import expkt.api.vr.VirtualRouter;
import expkt.api.vr.VirtualRouters;
import expkt.provider.dataplane.DataPlane;
import expkt.provider.socket.L2Engine;
import expkt.provider.core.VrScope;
import org.osgi.framework.BundleContext;
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

/**
 * The provider's singleton: the data plane (framework property {@code expkt.dataplane.netns}: an
 * {@code ip netns} name or a path, empty for the host's own namespace; {@code expkt.dataplane.vr}: the
 * VR it is, default VR-Default) with its ConfigAdmin configuration, and the {@link L2Engine}. The
 * per-bundle {@code PacketService} and the Gogo commands use it.
 *
 * <p>The VR registry ({@code expkt.api.vr.VirtualRouters}, bundle expkt.vr) is optional and dynamic:
 * with it, filters may name any VR it knows; without it the data plane is the only VR.
 */
@Designate(ocd = DataPlaneConfiguration.class)
@Component(service = L2Provider.class, configurationPid = DataPlaneConfiguration.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL, immediate = true)
public final class L2Provider {
    public static final String NETNS_PROPERTY = "expkt.dataplane.netns";
    public static final String VR_PROPERTY = "expkt.dataplane.vr";

    private final Logger logger;
    private final DataPlane dataPlane;
    private final L2Engine engine;
    private final String vrName;
    private final int vrId;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, bind = "bindVirtualRouters", unbind = "unbindVirtualRouters")
    private volatile VirtualRouters virtualRouters;

    @Activate
    public L2Provider(BundleContext context, DataPlaneConfiguration config,
                      @Reference(service = LoggerFactory.class) Logger logger) throws IOException {
        this.logger = logger;
        String netns = context.getProperty(NETNS_PROPERTY);
        String vr = context.getProperty(VR_PROPERTY);
        this.vrName = vr == null || vr.isBlank() ? VirtualRouter.VR_DEFAULT_NAME : vr.strip();
        this.vrId = switch (vrName) {
            case VirtualRouter.VR_MGMT_NAME -> VirtualRouter.VR_MGMT;
            case VirtualRouter.VR_CONTROL_NAME -> VirtualRouter.VR_CONTROL;
            default -> VirtualRouter.VR_DEFAULT;
        };
        this.dataPlane = new DataPlane(netns, vrName, vrId);
        try {
            apply(config);
            this.engine = new L2Engine(dataPlane, scope(),
                    new L2Engine.RingConfig(config.ring_block_size(), config.ring_block_count(), config.ring_retire_ms()),
                    new OsgiLog(logger));
            followRegistry();
        } catch (IOException | RuntimeException e) {
            dataPlane.close();
            throw e;
        }
    }

    public L2Engine engine() {
        return engine;
    }

    @Modified
    void modified(DataPlaneConfiguration config) {
        apply(config);
        // FileInstall often delivers the configuration after the provider activated with the defaults:
        // the ring geometry must follow too (for the sockets opened from now on), or it is silently lost
        try {
            L2Engine.RingConfig ring = new L2Engine.RingConfig(config.ring_block_size(), config.ring_block_count(),
                    config.ring_retire_ms());
            if (engine.ringConfig(ring)) {
                logger.info("expkt receive rings of sockets opened from now on: {} blocks of {} bytes, retired after {} ms "
                        + "(open sockets keep theirs)", ring.blockNr(), ring.blockSize(), ring.retireMillis());
            }
        } catch (IllegalArgumentException e) {
            logger.error("expkt receive ring configuration rejected, the previous one stays in force: {}", e.getMessage());
        }
    }

    private void apply(DataPlaneConfiguration config) {
        try {
            dataPlane.configure(config.ports(), config.vlans());
            logger.info("expkt data plane configured: {}", dataPlane.model());
        } catch (IllegalArgumentException e) {
            logger.error("expkt data plane configuration rejected, the previous one stays in force: {}", e.getMessage());
        } catch (IOException e) {
            logger.error("expkt data plane configuration could not be applied: {}", e.toString());
        }
    }

    void bindVirtualRouters(VirtualRouters vrs) {
        this.virtualRouters = vrs;
        if (engine != null) {
            engine.vrScope(scope());
            followRegistry();
        }
    }

    void unbindVirtualRouters(VirtualRouters vrs) {
        if (this.virtualRouters == vrs) {
            this.virtualRouters = null;
            if (engine != null) {
                engine.vrScope(scope());
                followRegistry();
            }
        }
    }

    /** The data plane is the VR the registry says its namespace is; without the registry, the framework property's. */
    private void followRegistry() {
        VirtualRouters vrs = virtualRouters;
        try {
            VirtualRouter v = vrs == null ? null : vrs.byNamespaceInode(dataPlane.namespaceInode()).orElse(null);
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
        engine.close();
        dataPlane.close();
    }
}
