package expkt.host.launch;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * Makes the platform bundles of the host jar updatable the standard way. The bnd launcher installs
 * the bundles embedded in {@code expkt-host.jar} with their path inside the jar as location
 * ({@code jar/expkt.provider-0.1.0-SNAPSHOT.jar}): no URL, so the framework cannot read it again, and
 * {@code update N} failed with {@code MalformedURLException: no protocol} after it had already stopped
 * the bundle. Before the launcher runs, this copies every bundle the launcher would install
 * ({@code launch.bundles} of the jar's {@code launcher.properties}) to the platform directory and
 * switches the launcher to install them from there ({@code launch.embedded=false},
 * {@code launch.bundles} = those files; the launcher lets a system property override its
 * properties). With {@code launch.noreferences=true} the framework copies each jar into its cache, so
 * the location is a plain {@code file:} URL: {@code update N} re-reads that file, and a newer jar put
 * there (atomically) is what it takes.
 *
 * <p>The platform directory is {@value #DIR_PROPERTY} if given, else {@code platform/} beside the
 * framework storage ({@code run/platform} for {@code ./expkt host}; that run directory is locked by
 * {@link expkt.host.lock.RunDirLock} first, so no other host writes it), else a temporary directory
 * removed when the JVM ends. It is refilled from the host jar on every start (the framework cache is
 * cleaned on start too: the host jar is what a host starts with) and kept {@code 0700}: whoever can
 * write there chooses the code {@code update N} loads. The directory used is published as the system
 * property {@value #DIR_PROPERTY}, which the host's update guard uses to know the platform bundles.
 *
 * <p>Threading: called once on the main thread before the launcher's {@code main}.
 */
public final class PlatformBundles {
    /** The platform directory (given, or set by {@link #prepare}). */
    public static final String DIR_PROPERTY = "expkt.platform.dir";
    /** {@code true}: leave the bundles embedded (the launcher's own behaviour, {@code update N} without URL fails). */
    public static final String EMBEDDED_PROPERTY = "expkt.platform.embedded";

    private PlatformBundles() {
    }

    /**
     * Extracts the launcher's bundles and points the launcher at the files. Does nothing when the jar
     * has no embedded {@code launcher.properties} (not the host jar) or its bundles are not embedded.
     *
     * @return the platform directory, or {@code null} when nothing was done
     */
    public static Path prepare(Properties system, ClassLoader loader) throws IOException {
        if ("true".equalsIgnoreCase(system.getProperty(EMBEDDED_PROPERTY))) {
            return null;
        }
        Properties launcher = new Properties();
        try (InputStream in = loader.getResourceAsStream("launcher.properties")) {
            if (in == null) {
                return null;
            }
            launcher.load(in);
        }
        if (!"true".equalsIgnoreCase(launcher.getProperty("launch.embedded"))) {
            return null;
        }
        String bundles = system.getProperty("launch.bundles", launcher.getProperty("launch.bundles", ""));
        Path dir = directory(system);
        List<String> files = new ArrayList<>();
        for (String path : bundles.split(",")) {
            path = path.strip();
            if (path.isEmpty()) {
                continue;
            }
            files.add(extract(loader, path, dir).toString());
        }
        system.setProperty("launch.bundles", String.join(",", files));
        system.setProperty("launch.embedded", "false");
        system.setProperty("launch.noreferences", "true");
        system.setProperty(DIR_PROPERTY, dir.toString());
        return dir;
    }

    /** The platform directory, created {@code 0700}, emptied of the jars a previous host left. */
    static Path directory(Properties system) throws IOException {
        Path dir;
        String given = system.getProperty(DIR_PROPERTY);
        String storage = system.getProperty("org.osgi.framework.storage");
        if (given != null && !given.isBlank()) {
            dir = Path.of(given);
        } else if (storage != null && !storage.isBlank() && Path.of(storage).toAbsolutePath().normalize().getParent() != null) {
            dir = Path.of(storage).toAbsolutePath().normalize().getParent().resolve("platform");
        } else {
            Path tmp = Files.createTempDirectory("expkt-platform");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(tmp), "expkt-platform-cleanup"));
            dir = tmp;
        }
        dir = dir.toAbsolutePath().normalize();
        Files.createDirectories(dir);
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: nothing to tighten
        }
        try (DirectoryStream<Path> old = Files.newDirectoryStream(dir, "*.jar")) {
            for (Path p : old) {
                Files.delete(p);
            }
        }
        return dir;
    }

    /** Copies the jar entry {@code path} to {@code dir} (write aside, then rename: a reader never sees half a jar). */
    private static Path extract(ClassLoader loader, String path, Path dir) throws IOException {
        String name = path.substring(path.lastIndexOf('/') + 1);
        Path target = dir.resolve(name);
        Path tmp = dir.resolve("." + name + ".part");
        try (InputStream in = loader.getResourceAsStream(path)) {
            if (in == null) {
                throw new IOException("the host jar has no " + path + " (launch.bundles names it)");
            }
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
        }
        // older than the install: the launcher updates a bundle whose file is newer than the bundle
        Files.setLastModifiedTime(tmp, FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return target;
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // a temporary directory left behind is removed by the system's tmp cleaning
        }
    }
}
