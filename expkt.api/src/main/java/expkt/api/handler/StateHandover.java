package expkt.api.handler;

import org.osgi.annotation.versioning.ProviderType;

import java.util.Map;

/**
 * Hands a bundle's state to its successor across an in-place update (a per-bundle service).
 * Version 1 calls {@link #save} while it stops (in its deactivate method); version 2 calls
 * {@link #restore} while it starts and gets what version 1 saved. Between the two the provider keeps
 * the handlers' sockets, rings and kernel rules, so no frame is lost.
 *
 * <p>Version 1 and version 2 have different class loaders: the state must be made of JDK types only
 * (String, the immutable Numbers such as Integer, Long, Double, BigDecimal, Boolean, byte[], List, Map,
 * java.time values; no cycle). State is kept per bundle symbolic name (per bundle id for a bundle
 * without one); what nobody restores is discarded when the bundle is uninstalled.
 */
@ProviderType
public interface StateHandover {
    /** Leaves {@code state} for the next version of this bundle (replaces what was saved before). */
    void save(Map<String, ?> state);

    /** Takes what the previous version saved (empty if nothing): a second call returns empty. */
    Map<String, Object> restore();
}
