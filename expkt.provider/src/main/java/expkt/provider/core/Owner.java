package expkt.provider.core;

/**
 * Who owns a socket: the bundle that got the per-bundle {@code PacketService} (or a test).
 *
 * @param bundleId the bundle id, -1 outside OSGi
 * @param name the bundle's symbolic name (and version), as commands print it
 */
public record Owner(long bundleId, String name) {
    @Override
    public String toString() {
        return bundleId < 0 ? name : name + " [" + bundleId + "]";
    }
}
