package expkt.provider.dataplane;

import expkt.linux.Fds;
import expkt.linux.FileLocks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * One host per data plane: an flock(2) on {@code dataplane-<netns inode>.lock} in {@code /run/expkt}
 * (or, where that cannot be made, {@code <java.io.tmpdir>/expkt}), held while the provider owns the
 * namespace's kernel state (its nft table and capture links). The holder writes {@code pid <pid>} into
 * the file, so the next contender's refusal names it. The kernel releases the lock when the holder
 * dies, however it dies, so a killed host never blocks the next start. {@code ./expkt clean} checks and
 * takes the same lock (with {@code flock(1)}).
 *
 * <p>Threading: acquired and closed by the provider's lifecycle thread.
 */
public final class DataPlaneLock implements AutoCloseable {
    /** Where lock files go, in order of preference (the launcher's {@code clean} looks in the same places). */
    static List<Path> lockDirs() {
        return List.of(Path.of("/run/expkt"), Path.of(System.getProperty("java.io.tmpdir"), "expkt"));
    }

    private final Path file;
    private int fd;

    private DataPlaneLock(Path file, int fd) {
        this.file = file;
        this.fd = fd;
    }

    /** The lock file of the namespace with this inode, in the first lock directory that can be made. */
    static Path lockFile(long netnsInode) throws IOException {
        IOException last = null;
        for (Path dir : lockDirs()) {
            try {
                Files.createDirectories(dir);
                if (Files.isWritable(dir)) {
                    return dir.resolve("dataplane-" + netnsInode + ".lock");
                }
            } catch (IOException e) {
                last = e;
            }
        }
        throw new IOException("no directory for the data-plane lock: tried " + lockDirs(), last);
    }

    /**
     * Takes the lock of the data plane whose namespace has {@code netnsInode} ({@code describe} names it
     * in the refusal). Throws, naming the holder's pid and the lock file, if another host has it.
     */
    public static DataPlaneLock acquire(long netnsInode, String describe) throws IOException {
        Path file = lockFile(netnsInode);
        int fd = FileLocks.tryLock(file);
        if (fd < 0) {
            throw new IOException("the data plane " + describe + " (network namespace inode " + netnsInode
                    + ") is managed by another expkt host, " + holder(file) + " (it holds " + file
                    + "): one host per data plane; stop that host first");
        }
        try {
            Files.writeString(file, "pid " + ProcessHandle.current().pid() + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            Fds.closeQuietly(fd);
            throw e;
        }
        return new DataPlaneLock(file, fd);
    }

    /** "pid N" as the holder wrote it (it may be writing it right now: read again briefly). */
    private static String holder(Path file) {
        for (int i = 0; i < 20; i++) {
            try {
                String s = Files.readString(file, StandardCharsets.UTF_8).strip();
                if (s.startsWith("pid ")) {
                    return s.lines().findFirst().orElse(s);
                }
                Thread.sleep(10);
            } catch (IOException e) {
                break;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return "pid unknown";
    }

    public Path file() {
        return file;
    }

    /** Releases the lock (the file stays: removing it would race with the next contender's open). */
    @Override
    public synchronized void close() {
        if (fd >= 0) {
            Fds.closeQuietly(fd);
            fd = -1;
        }
    }
}
