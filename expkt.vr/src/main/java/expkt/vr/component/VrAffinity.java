package expkt.vr.component;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The operator's choice of a bundle's VR (the seed's {@code create process ... vr}), factory PID
 * {@code expkt.vr.affinity}. It wins over the bundle's own {@code Expkt-VirtualRouter} header. Takes
 * effect for sockets opened after it is set. Deactivated because this bundle stops (an update of
 * {@code expkt.vr}), it is not cleared: the table goes with this revision, and the keeper takes the last
 * affinity this revision gave as the one it answers while no revision serves.
 */
@Component(service = {}, configurationPid = VrAffinity.PID, configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = VrAffinity.Config.class, factory = true)
public final class VrAffinity {
    public static final String PID = "expkt.vr.affinity";

    @ObjectClassDefinition(name = "expkt bundle VR affinity", description = "The VR a protocol bundle opens its sockets in")
    public @interface Config {
        @AttributeDefinition(name = "Bundle", description = "Bundle-SymbolicName of the protocol bundle")
        String bundle_symbolicName();

        @AttributeDefinition(name = "VR", description = "VR name")
        String vr();
    }

    private final VrRegistry registry;
    private final String bundle;
    private final String vr;
    private final Bundle own;

    @Activate
    public VrAffinity(BundleContext context, @Reference VrRegistry registry, Config config) {
        this.registry = registry;
        this.own = context.getBundle();
        this.bundle = config.bundle_symbolicName();
        this.vr = config.vr();
        try {
            registry.table().setAffinity(bundle, vr);
        } catch (IllegalArgumentException e) {
            registry.log().error("VR affinity configuration {} ignored: {}", PID, e.getMessage());
            throw e;
        }
    }

    @Deactivate
    void deactivate() {
        if (own.getState() == Bundle.STOPPING) {
            return;
        }
        registry.table().clearAffinity(bundle, vr);
    }
}
