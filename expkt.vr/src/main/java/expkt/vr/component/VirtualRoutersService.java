package expkt.vr.component;

import expkt.api.runtime.VrSocketDTO;
import expkt.api.spi.VrNamespaces;
import expkt.api.spi.VrSocketListing;
import expkt.vr.internal.VrSocketRows;
import expkt.api.vr.VirtualRouter;
import expkt.api.vr.VirtualRouters;
import expkt.vr.internal.VrHeaders;
import expkt.vr.internal.VrTable;
import org.osgi.framework.Bundle;
import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ServiceScope;

import java.util.List;
import java.util.Optional;

/**
 * The VR registry as each bundle sees it (bundle scope: {@link #affinity()} is the caller's VR). The
 * service object also implements {@link VrNamespaces} (a contract for the provider only, in
 * {@code expkt.api.spi}): which VR a network namespace is; and {@link VrSocketListing}: the L3 and raw IP
 * sockets every bundle has open, for the provider's runtime DTOs (so neither bundle depends on the other).
 */
@Component(scope = ServiceScope.BUNDLE, service = {VirtualRouters.class, VrNamespaces.class, VrSocketListing.class})
public final class VirtualRoutersService implements VirtualRouters, VrNamespaces, VrSocketListing {
    private final VrTable table;
    private final Bundle user;

    @Activate
    public VirtualRoutersService(@Reference VrRegistry registry, ComponentContext context) {
        this.table = registry.table();
        this.user = context.getUsingBundle();
    }

    static String declaredVr(Bundle b) {
        return b == null ? null : b.getHeaders("").get(VrHeaders.VIRTUAL_ROUTER);
    }

    @Override
    public VirtualRouter byName(String name) {
        return table.byName(name);
    }

    @Override
    public VirtualRouter byId(int id) {
        return table.byId(id);
    }

    @Override
    public List<VirtualRouter> list() {
        return table.list();
    }

    @Override
    public VirtualRouter affinity() {
        return table.affinity(user == null ? null : user.getSymbolicName(), declaredVr(user));
    }

    @Override
    public VirtualRouter hostDefault() {
        return table.hostDefault();
    }

    @Override
    public Optional<VirtualRouter> byNamespaceInode(long inode) {
        return table.byNamespaceInode(inode);
    }

    @Override
    public AutoCloseable onVrChange(Runnable listener) {
        return table.onChange(listener);
    }

    @Override
    public List<VrSocketDTO> vrSockets() {
        return VrSocketRows.of(table);
    }
}
