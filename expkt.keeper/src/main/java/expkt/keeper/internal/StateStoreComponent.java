package expkt.keeper.internal;

import expkt.keeper.state.StateStore;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * The host-wide {@link StateStore} (kept by the keeper: a provider update keeps it): what nobody restores is discarded when a bundle of that
 * symbolic name is uninstalled.
 */
@Component(service = StateStoreComponent.class)
public final class StateStoreComponent {
    private final StateStore store = new StateStore();
    private final BundleContext context;
    private final BundleListener listener;

    @Activate
    public StateStoreComponent(BundleContext context) {
        this.context = context;
        this.listener = event -> {
            if (event.getType() == BundleEvent.UNINSTALLED) {
                store.discard(StateStore.key(event.getBundle().getSymbolicName(), event.getBundle().getBundleId()));
            }
        };
        context.addBundleListener(listener);
    }

    public StateStore store() {
        return store;
    }

    @Deactivate
    void deactivate() {
        context.removeBundleListener(listener);
    }
}
