package expkt.vr.internal;

import expkt.api.runtime.VrSocketDTO;
import expkt.api.spi.VrRegistryView;
import expkt.api.vr.VirtualRouter;

import java.util.List;
import java.util.Optional;

/**
 * The VR registry of this revision as one bundle sees it ({@link VrRegistryView}, made by
 * {@code VrEngineComponent.virtualRouters} for the keeper, which registers the {@code VirtualRouters} service
 * and forwards here): {@link #affinity()} is that bundle's VR. Until 2026-12-02 this was the bundle-scoped
 * {@code VirtualRoutersService} component, so an update of {@code expkt.vr} deactivated every component that
 * referenced {@code VirtualRouters}.
 *
 * <p>Threading: thread-safe (the table is).
 */
public final class RegistryView implements VrRegistryView {
    private final VrTable table;
    private final String symbolicName;
    private final String declaredVr;

    /**
     * @param symbolicName the bundle's symbolic name (null if unknown)
     * @param declaredVr its {@code Expkt-VirtualRouter} manifest header, null if none
     */
    public RegistryView(VrTable table, String symbolicName, String declaredVr) {
        this.table = table;
        this.symbolicName = symbolicName;
        this.declaredVr = declaredVr;
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
        return table.affinity(symbolicName, declaredVr);
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
