package expkt.provider.command;

import expkt.provider.osgi.L2Provider;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import java.io.IOException;

/**
 * Gogo commands of the L2 provider: {@code expkt:acl} (the seed's "show access-list": every filter with
 * its owner, match, action, direction, VR and nftables packet/byte counts), {@code expkt:ports},
 * {@code expkt:vlans}, {@code expkt:sockets}.
 */
@Component(service = L2Commands.class, property = {
        "osgi.command.scope=expkt",
        "osgi.command.function=acl",
        "osgi.command.function=ports",
        "osgi.command.function=vlans",
        "osgi.command.function=sockets"})
public final class L2Commands {
    private final L2Provider provider;

    @Activate
    public L2Commands(@Reference L2Provider provider) {
        this.provider = provider;
    }

    public String acl() throws IOException {
        return L2Tables.acl(provider.engine());
    }

    public String ports() {
        return L2Tables.ports(provider.engine());
    }

    public String vlans() {
        return L2Tables.vlans(provider.engine());
    }

    public String sockets() {
        return L2Tables.sockets(provider.engine());
    }
}
