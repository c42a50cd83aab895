package expkt.host.update;

import java.net.URI;
import java.nio.file.Path;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/**
 * The platform directory the host jar's bundles were installed from ({@code expkt.platform.dir}, set
 * by {@code expkt.host.launch.PlatformBundles} before the framework started): a bundle whose location
 * is a {@code file:} URL of a jar in it is a platform bundle. Immutable; any thread.
 *
 * @param dir the directory, or {@code null} when the host's bundles were not installed from one
 *            (Pax Exam, a host started with {@code expkt.platform.embedded=true})
 */
public record PlatformDir(Path dir) {

    /** The directory this framework's platform bundles came from (framework, then system property). */
    public static PlatformDir of(BundleContext context) {
        String v = context.getProperty("expkt.platform.dir");
        return new PlatformDir(v == null || v.isBlank() ? null : Path.of(v).toAbsolutePath().normalize());
    }

    /** Installed by the launcher from the platform directory. */
    public boolean holds(Bundle b) {
        if (dir == null) {
            return false;
        }
        String loc = b.getLocation();
        if (loc == null || !loc.startsWith("file:")) {
            return false;
        }
        try {
            Path p = Path.of(URI.create(loc)).toAbsolutePath().normalize();
            return dir.equals(p.getParent());
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The installed platform bundle named {@code bsn}, or null. */
    public Bundle find(BundleContext context, String bsn) {
        for (Bundle b : context.getBundles()) {
            if (bsn.equals(b.getSymbolicName()) && holds(b)) {
                return b;
            }
        }
        return null;
    }
}
