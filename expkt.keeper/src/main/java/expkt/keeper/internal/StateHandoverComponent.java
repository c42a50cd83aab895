package expkt.keeper.internal;

import expkt.keeper.state.StateStore;
import expkt.api.handler.StateHandover;
import org.osgi.framework.Bundle;
import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ServiceScope;

import java.util.Map;

/**
 * The per-bundle {@link StateHandover} (bundle scope: one instance per using bundle), keyed by the
 * using bundle's symbolic name: what version 1 saves in its deactivate method, version 2 restores in
 * its activate method. The state is deep-copied on save (see {@link StateStore}).
 */
@Component(service = StateHandover.class, scope = ServiceScope.BUNDLE)
public final class StateHandoverComponent implements StateHandover {
    private final StateStore store;
    private final String symbolicName;

    @Activate
    public StateHandoverComponent(ComponentContext context, @Reference StateStoreComponent store) {
        Bundle b = context.getUsingBundle();
        this.store = store.store();
        if (b == null) {
            throw new IllegalStateException("StateHandover got no using bundle (it is a bundle-scope service)");
        }
        // not one shared "(unknown)" key for every bundle without a symbolic name: each has its own
        this.symbolicName = StateStore.key(b.getSymbolicName(), b.getBundleId());
    }

    @Override
    public void save(Map<String, ?> state) {
        store.save(symbolicName, state);
    }

    @Override
    public Map<String, Object> restore() {
        return store.restore(symbolicName);
    }
}
