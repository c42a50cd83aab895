package expkt.vr.component;

import expkt.api.vr.VirtualRouter;
import expkt.api.vr.VrBackend;
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
 * One user VR from a factory configuration ({@code expkt.vr.router}). A configuration whose id or
 * name is taken (or otherwise bad) fails to activate with an error naming the value — logged by SCR
 * and by us — and is ignored; the VRs already there stay.
 *
 * <p>Deactivated because this bundle stops (an update of {@code expkt.vr}, or a stop), the VR is not removed
 * from the table: the table goes with this revision anyway, and a removal would tell the keeper's
 * {@code VirtualRouters} users (the provider re-applies its ports) that the VR is gone, while the configuration
 * stays and the next revision adds the VR again. The keeper answers from the last VRs this revision gave
 * while no revision serves (expkt.provider/DESIGN.md, "An update of expkt.vr").
 */
@Component(service = {}, configurationPid = UserVr.PID, configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = UserVr.Config.class, factory = true)
public final class UserVr {
    public static final String PID = "expkt.vr.router";

    @ObjectClassDefinition(name = "expkt user virtual router", description = "A VR with an id above 2")
    public @interface Config {
        @AttributeDefinition(name = "Name", description = "VR name, e.g. VR-Blue")
        String name();

        @AttributeDefinition(name = "Id", description = "VR id, 3..65535")
        int id();

        @AttributeDefinition(name = "Backend", required = false, description = "NETNS (a network namespace) or VRF (a VRF device)")
        VrBackend backend() default VrBackend.NETNS;

        @AttributeDefinition(name = "Location", required = false,
                description = "NETNS: ip netns name or namespace path; VRF: device name (empty: EXOS's vrf_<256+id>)")
        String location() default "";
    }

    private final VrRegistry registry;
    private final VirtualRouter vr;
    private final Bundle bundle;

    @Activate
    public UserVr(BundleContext context, @Reference VrRegistry registry, Config config) {
        this.registry = registry;
        this.bundle = context.getBundle();
        try {
            this.vr = registry.table().add(config.id(), config.name(), config.backend(), config.location());
        } catch (IllegalArgumentException e) {
            registry.log().error("VR configuration {} ignored: {}", PID, e.getMessage());
            throw e;
        }
        registry.log().info("VR {} (id {}) added: {} {}", vr.name(), vr.id(), vr.backend(), vr.location());
    }

    @Deactivate
    void deactivate() {
        if (bundle.getState() == Bundle.STOPPING) {
            registry.log().info("VR {} (id {}) goes with this revision of expkt.vr (its configuration stays)", vr.name(), vr.id());
            return;
        }
        registry.table().remove(vr);
        registry.log().info("VR {} (id {}) removed", vr.name(), vr.id());
    }
}
