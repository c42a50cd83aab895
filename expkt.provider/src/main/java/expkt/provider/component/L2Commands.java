package expkt.provider.component;

import expkt.provider.command.L2Tables;
import expkt.api.runtime.ExpktRuntime;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import java.io.IOException;

/**
 * Gogo commands of the L2 provider, printed from the runtime DTOs ({@link ExpktRuntime}):
 * {@code expkt:acl} (the seed's "show access-list": every filter with its owner, match, action,
 * direction, VR and nftables packet/byte counts), {@code expkt:ports}, {@code expkt:vlans},
 * {@code expkt:sockets}, {@code expkt:fdb} (the forwarding database VLAN sends forward by).
 */
@Component(service = L2Commands.class, property = {
        "osgi.command.scope=expkt",
        "osgi.command.function=acl",
        "osgi.command.function=ports",
        "osgi.command.function=vlans",
        "osgi.command.function=sockets",
        "osgi.command.function=fdb"})
public final class L2Commands {
    private final ExpktRuntime runtime;

    @Activate
    public L2Commands(@Reference ExpktRuntime runtime) {
        this.runtime = runtime;
    }

    public String acl() throws IOException {
        return L2Tables.acl(runtime);
    }

    public String ports() {
        return L2Tables.ports(runtime);
    }

    public String vlans() {
        return L2Tables.vlans(runtime);
    }

    public String sockets() {
        return L2Tables.sockets(runtime);
    }

    public String fdb() {
        return L2Tables.fdb(runtime);
    }
}
