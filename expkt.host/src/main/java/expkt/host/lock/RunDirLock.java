package expkt.host.lock;

import java.io.IOException;
import java.lang.instrument.Instrumentation;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;

import expkt.host.launch.PlatformBundles;

/**
 * Refuses a second host on the same run directory. Two hosts sharing {@code run/} wipe each other's
 * framework cache (Felix cleans its storage on start, {@code org.osgi.framework.storage.clean}),
 * install each other's deploy-directory bundles and interleave one log; Felix's own cache lock does
 * not help, because the clean deletes the lock file it would take.
 *
 * <p>The run directories are the parents of the framework storage ({@code org.osgi.framework.storage}),
 * of the deploy directory ({@code felix.fileinstall.dir}) and of the log ({@code expkt.log.file}),
 * as given with {@code -D}. In each, {@value #LOCK_FILE} is locked (an OS file lock, released by the
 * kernel when the process ends, even on SIGKILL: a stale file never blocks) and holds the owner's
 * pid. A host that finds a lock held prints which pid holds it and exits with {@value #EXIT_IN_USE}
 * before the framework is created.
 *
 * <p>The lock is a POSIX record lock: closing any descriptor of the lock file in the holding
 * process drops it, so nothing in the host may open that file (other processes may read it).
 *
 * <p>Once locked, it has {@link PlatformBundles} extract the platform bundles into the run directory
 * (exit {@value #EXIT_PLATFORM} if that fails).
 *
 * <p>It runs first: the exported host jar names it as {@code Launcher-Agent-Class}, which the JVM
 * runs on the main thread before the launcher's {@code main}. Threading: called once, on the main
 * thread; the locks are held in a static field for the life of the JVM.
 */
public final class RunDirLock {
    /** The lock file in each run directory. */
    public static final String LOCK_FILE = "expkt-host.lock";
    /** Exit status of a host refused because another one holds its run directory. */
    public static final int EXIT_IN_USE = 4;
    /** Exit status of a host that cannot extract its platform bundles ({@link PlatformBundles}). */
    public static final int EXIT_PLATFORM = 5;
    /** Set by {@link #agentmain} to the locked directories, so the host can show what it holds. */
    public static final String HELD_PROPERTY = "expkt.host.runlock";

    private static final List<FileChannel> HELD = new ArrayList<>();

    private RunDirLock() {
    }

    /** The JVM's entry for {@code Launcher-Agent-Class}: lock or exit. */
    public static void agentmain(String args, Instrumentation inst) {
        agentmain(args);
    }

    /** Same, without instrumentation (also {@code -javaagent}'s {@code premain}). */
    public static void agentmain(String args) {
        try {
            List<Path> dirs = runDirs(System.getProperties());
            lockAll(dirs);
            System.setProperty(HELD_PROPERTY, String.join(",", dirs.stream().map(Path::toString).toList()));
        } catch (InUse e) {
            System.err.println("expkt host: " + e.getMessage());
            System.err.flush();
            Runtime.getRuntime().halt(EXIT_IN_USE);
        } catch (IOException e) {
            System.err.println("expkt host: cannot lock the run directory: " + e);
            System.err.flush();
            Runtime.getRuntime().halt(EXIT_IN_USE);
        }
        // FileInstall scans in its start() while the host starts (the deployed bundles come up before
        // "expkt host started"); expkt.host.deploy.FileInstallScanMode turns this off once the framework
        // has started (a FileInstall restarted by a refresh would otherwise wait for that refresh on the
        // refresh thread itself). A system property, not a framework one: the framework's could not change.
        System.getProperties().putIfAbsent("felix.fileinstall.noInitialDelay", "true");
        // after the lock: the platform directory lies in the run directory this host now owns
        try {
            PlatformBundles.prepare(System.getProperties(), RunDirLock.class.getClassLoader());
        } catch (IOException | RuntimeException e) {
            System.err.println("expkt host: cannot put the platform bundles where the framework can read them again"
                    + " (expkt.platform.dir): " + e);
            System.err.flush();
            Runtime.getRuntime().halt(EXIT_PLATFORM);
        }
    }

    public static void premain(String args, Instrumentation inst) {
        agentmain(args);
    }

    /** The distinct directories holding the storage, the deploy directory and the log. */
    static List<Path> runDirs(Properties props) {
        Set<Path> dirs = new LinkedHashSet<>();
        for (String key : List.of("org.osgi.framework.storage", "felix.fileinstall.dir", "expkt.log.file")) {
            String v = props.getProperty(key);
            if (v != null && !v.isBlank()) {
                Path parent = Path.of(v).toAbsolutePath().normalize().getParent();
                if (parent != null) {
                    dirs.add(parent);
                }
            }
        }
        return new ArrayList<>(dirs);
    }

    /** Locks each directory's {@value #LOCK_FILE}; on the first one held elsewhere, releases all and throws. */
    static synchronized void lockAll(List<Path> dirs) throws IOException, InUse {
        List<FileChannel> mine = new ArrayList<>();
        try {
            for (Path dir : dirs) {
                Files.createDirectories(dir);
                Path file = dir.resolve(LOCK_FILE);
                FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
                FileLock lock = ch.tryLock();
                if (lock == null) {
                    String owner = readOwner(ch);
                    ch.close();
                    throw new InUse("run directory " + dir + " is in use by the expkt host with pid " + owner
                            + " (lock " + file + "); one host per run directory: stop that host or give this one"
                            + " other directories (--deploy, org.osgi.framework.storage, expkt.log.file)");
                }
                mine.add(ch);
                ch.truncate(0);
                ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
                ch.force(false);
            }
            HELD.addAll(mine);
            mine.clear();
        } finally {
            for (FileChannel ch : mine) {
                ch.close();
            }
        }
    }

    private static String readOwner(FileChannel ch) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(32);
        ch.read(buf, 0);
        String s = new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII).strip();
        return s.isEmpty() ? "(unknown: it has not written its pid yet)" : s;
    }

    /** Another process holds a run directory. */
    static final class InUse extends Exception {
        private static final long serialVersionUID = 1L;

        InUse(String message) {
            super(message);
        }
    }
}
