package expkt.vr.component;

import expkt.vr.internal.VrExec;
import expkt.vr.internal.VrHeaders;
import expkt.vr.internal.VrTable;
import expkt.vr.internal.VrfSupport;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The one VR registry of the host (internal service of this bundle): built-in VRs placed by
 * configuration PID {@code expkt.vr} or framework properties, the host default VR, and the socket
 * maker. It has no public face of its own: the keeper registers {@code VirtualRouters} and {@code VrSockets}
 * and forwards to {@link VrEngineComponent} (a {@link expkt.vr.internal.RegistryView} and a session per bundle).
 *
 * <p>Where each built-in VR lives, first match wins: the {@code expkt.vr} configuration; the framework
 * properties {@code expkt.vr.mgmt.netns}, {@code expkt.vr.control.netns}, {@code expkt.vr.default.netns}
 * (VR-Default also {@code expkt.dataplane.netns}); the host's own namespace.
 */
@Component(service = VrRegistry.class, configurationPid = VrRegistry.PID)
@Designate(ocd = VrRegistry.Config.class)
public final class VrRegistry {
    public static final String PID = "expkt.vr";

    @ObjectClassDefinition(name = "expkt virtual routers",
            description = "Where the built-in VRs live and which VR is the host's default")
    public @interface Config {
        @AttributeDefinition(name = "Host default VR", required = false,
                description = "VR of every bundle that declares none (default: framework property expkt.vr.default, else VR-Mgmt)")
        String default_vr() default "";

        @AttributeDefinition(name = "VR-Mgmt location", required = false,
                description = "ip netns name, namespace path, or vrf:<device>; empty: the host's own namespace")
        String mgmt_location() default "";

        @AttributeDefinition(name = "VR-Control location", required = false,
                description = "ip netns name, namespace path, or vrf:<device>; empty: the host's own namespace")
        String control_location() default "";

        @AttributeDefinition(name = "VR-Default location", required = false,
                description = "ip netns name, namespace path, or vrf:<device>; empty: framework property expkt.dataplane.netns, else the host's own namespace")
        String default_location() default "";
    }

    private final Logger log;
    private final BundleContext context;
    private final VrTable table = new VrTable(VrfSupport.detect());
    private final VrExec exec = new VrExec();

    @Activate
    public VrRegistry(BundleContext context, Config config, @Reference(service = LoggerFactory.class) Logger log) {
        this.context = context;
        this.log = log;
        apply(config);
        if (!table.vrfSupport().supported()) {
            log.info("VRF backend unavailable, VRs are network namespaces only: {}", table.vrfSupport().reason());
        }
    }

    @Modified
    void modified(Config config) {
        apply(config);
    }

    private void apply(Config config) {
        String mgmt = first(config.mgmt_location(), prop(VrHeaders.MGMT_NETNS_PROPERTY));
        String control = first(config.control_location(), prop(VrHeaders.CONTROL_NETNS_PROPERTY));
        String dflt = first(config.default_location(), first(prop(VrHeaders.DEFAULT_NETNS_PROPERTY), prop(VrHeaders.DATAPLANE_NETNS_PROPERTY)));
        for (String error : table.setBuiltins(mgmt, control, dflt)) {
            log.error("VR configuration {} not applied: {}", PID, error);
        }
        String hostDefault = first(config.default_vr(), prop(VrHeaders.DEFAULT_VR_PROPERTY));
        try {
            table.setHostDefault(hostDefault);
        } catch (IllegalArgumentException e) {
            log.error("VR configuration {} not applied: {}; the host default stays {}", PID, e.getMessage(), table.hostDefaultName());
        }
        log.info("VRs: {}; host default {}", table.list(), table.hostDefaultName());
    }

    private String prop(String key) {
        String v = context.getProperty(key);
        return v == null ? "" : v.strip();
    }

    private static String first(String a, String b) {
        return a != null && !a.isBlank() ? a.strip() : (b == null ? "" : b);
    }

    /**
     * The L2 provider's shared dispatcher, which runs L3 and raw socket callbacks, while the provider
     * runs (optional: without it the VR bundle works, and setCallback says why it cannot).
     */
    @org.osgi.service.component.annotations.Reference(cardinality = org.osgi.service.component.annotations.ReferenceCardinality.OPTIONAL,
            policy = org.osgi.service.component.annotations.ReferencePolicy.DYNAMIC)
    private volatile expkt.linux.SharedDispatcher dispatcher;

    /** The shared dispatcher, or null while the L2 provider is not running. */
    public expkt.linux.SharedDispatcher dispatcher() {
        return dispatcher;
    }

    public VrTable table() {
        return table;
    }

    public VrExec exec() {
        return exec;
    }

    public Logger log() {
        return log;
    }

    @Deactivate
    void deactivate() {
        exec.close();
    }
}
