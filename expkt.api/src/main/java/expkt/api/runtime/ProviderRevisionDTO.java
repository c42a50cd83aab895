package expkt.api.runtime;

import org.osgi.dto.DTO;

/**
 * The revision of the provider bundle that serves a socket or handler: its bundle id, symbolic name
 * and version, and the time of its last install or update (which changes with every update, even one
 * that keeps the version).
 *
 * <p>Threading: a copy owned by its caller.
 */
public class ProviderRevisionDTO extends DTO {
    /** Bundle id; -1 outside OSGi. */
    public long bundleId;
    public String symbolicName;
    public String version;
    /** {@code Bundle.getLastModified()} of that revision, milliseconds since the epoch; 0 outside OSGi. */
    public long lastModified;
}
