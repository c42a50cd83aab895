package expkt.vr.component;

import expkt.vr.internal.VrListing;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** Gogo {@code expkt:vr}: VRs with id, backend, interfaces and the open sockets of each bundle. */
@Component(service = VrCommand.class, property = {"osgi.command.scope=expkt", "osgi.command.function=vr"})
public final class VrCommand {
    private final VrRegistry registry;

    @Activate
    public VrCommand(@Reference VrRegistry registry) {
        this.registry = registry;
    }

    public String vr() {
        return VrListing.render(registry.table(), registry.exec());
    }
}
