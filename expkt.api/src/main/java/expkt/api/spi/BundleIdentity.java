package expkt.api.spi;

import java.util.Objects;

/**
 * Which bundle owns something the host gave out (a packet socket, a handler registration, the VR
 * sockets of a bundle): its bundle id, symbolic name and version. The one owner identity of expkt's
 * own bundles; outside OSGi (a test, the test kit) the id is negative and the version may be empty.
 *
 * <p>The printed forms are the ones the {@code expkt:} commands show:
 * <ul>
 *   <li>{@link #toString()}: {@code org.example.proto [42]};</li>
 *   <li>{@link #withVersion()}: {@code org.example.proto 1.0.0 [42]};</li>
 *   <li>{@link #qualified(String)}: {@code org.example.proto (handlers) [42]};</li>
 * </ul>
 * each without the {@code " [id]"} when the id is negative (outside OSGi).
 *
 * <p>Equal when id, symbolic name and version are. Threading: immutable.
 */
public final class BundleIdentity {
    private final long bundleId;
    private final String symbolicName;
    private final String version;

    private BundleIdentity(long bundleId, String symbolicName, String version) {
        this.bundleId = bundleId;
        this.symbolicName = symbolicName;
        this.version = version;
    }

    /**
     * The identity of bundle {@code bundleId}.
     *
     * @param bundleId the bundle id; negative outside OSGi
     * @param symbolicName its symbolic name (or whatever stands in for one), not null nor empty
     * @param version its version as text, empty when it has none (outside OSGi); not null
     * @throws IllegalArgumentException naming the bad value
     */
    public static BundleIdentity of(long bundleId, String symbolicName, String version) {
        if (symbolicName == null || symbolicName.isEmpty()) {
            throw new IllegalArgumentException("bundle " + bundleId + ": symbolic name is " + (symbolicName == null ? "null" : "empty"));
        }
        if (version == null) {
            throw new IllegalArgumentException("bundle " + symbolicName + " [" + bundleId + "]: version is null (use \"\" for none)");
        }
        return new BundleIdentity(bundleId, symbolicName, version);
    }

    /** An owner outside OSGi (a test, the test kit): id -1, no version; printed as {@code name}. */
    public static BundleIdentity outsideOsgi(String name) {
        return of(-1, name, "");
    }

    /** The bundle id; negative outside OSGi. */
    public long bundleId() {
        return bundleId;
    }

    public String symbolicName() {
        return symbolicName;
    }

    /** The version as text; empty when there is none. */
    public String version() {
        return version;
    }

    /** {@code bsn version [id]} ({@code bsn [id]} without a version; no {@code [id]} outside OSGi). */
    public String withVersion() {
        return version.isEmpty() ? toString() : qualified(version);
    }

    /** {@code bsn qualifier [id]}, e.g. {@code org.example.proto (handlers) [42]} (no {@code [id]} outside OSGi). */
    public String qualified(String qualifier) {
        return withId(symbolicName + " " + qualifier);
    }

    private String withId(String name) {
        return bundleId < 0 ? name : name + " [" + bundleId + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BundleIdentity b && b.bundleId == bundleId && b.symbolicName.equals(symbolicName)
                && b.version.equals(version);
    }

    @Override
    public int hashCode() {
        return Objects.hash(bundleId, symbolicName, version);
    }

    /** {@code bsn [id]} ({@code bsn} outside OSGi). */
    @Override
    public String toString() {
        return withId(symbolicName);
    }
}
