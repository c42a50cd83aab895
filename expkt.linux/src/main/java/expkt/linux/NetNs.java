package expkt.linux;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * Linux network namespaces: open one by name ({@code ip netns} names, under /run/netns) or by
 * path, and run code with the calling OS thread inside it.
 *
 * <p>A namespace switch belongs to one OS thread: {@link #call(NetNs, Callable)} refuses a virtual
 * thread (it could be unmounted and moved to another carrier in the middle), and always switches the
 * thread back, whatever happens. Sockets created while inside stay in that namespace for life and can
 * be used from any thread afterwards.
 *
 * <p>An instance holds an open file descriptor on the namespace (so it stays valid even if its name
 * is deleted) and must be closed.
 */
public final class NetNs implements AutoCloseable {
    public static final int CLONE_NEWNET = 0x40000000;
    private static final String RUN_NETNS = "/run/netns/";
    private static final MethodHandle SETNS = Native.downcallErrno("setns",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    private static final MethodHandle UNSHARE = Native.downcallErrno("unshare",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    private final String name;
    private final String path;
    private final long inode;
    private volatile int fd;

    private NetNs(String name, String path, int fd) throws IOException {
        this.name = name;
        this.path = path;
        this.fd = fd;
        this.inode = inodeOf("/proc/self/fd/" + fd);
    }

    /**
     * Opens a namespace by {@code ip netns} name, or by path if {@code nameOrPath} contains a '/'.
     * An unknown name gives an {@link IllegalArgumentException} naming it.
     */
    public static NetNs open(String nameOrPath) throws IOException {
        if (nameOrPath == null || nameOrPath.isBlank()) {
            throw new IllegalArgumentException("network namespace name is " + (nameOrPath == null ? "null" : "blank"));
        }
        String path = nameOrPath.contains("/") ? nameOrPath : RUN_NETNS + nameOrPath;
        int fd;
        try {
            fd = Fds.open(path, Fds.O_RDONLY | Fds.O_CLOEXEC);
        } catch (LinuxException e) {
            if (e.errno() == Errno.ENOENT) {
                throw new IllegalArgumentException("network namespace \"" + nameOrPath + "\" does not exist (no " + path + ")", e);
            }
            throw e;
        }
        try {
            return new NetNs(nameOrPath, path, fd);
        } catch (IOException | RuntimeException e) {
            Fds.closeQuietly(fd);
            throw e;
        }
    }

    /** The namespace the calling thread is in now. */
    public static NetNs current() throws IOException {
        String path = "/proc/thread-self/ns/net";
        return new NetNs("(current)", path, Fds.open(path, Fds.O_RDONLY | Fds.O_CLOEXEC));
    }

    /** Inode number identifying the calling thread's current network namespace. */
    public static long currentInode() throws IOException {
        return inodeOf("/proc/thread-self/ns/net");
    }

    private static long inodeOf(String nsLink) throws IOException {
        // stat follows the link (or the nsfs bind mount under /run/netns) to the namespace itself
        Object ino = java.nio.file.Files.getAttribute(Path.of(nsLink), "unix:ino");
        return ((Number) ino).longValue();
    }

    public String name() {
        return name;
    }

    public String path() {
        return path;
    }

    /** The namespace's inode number: equal inodes mean the same namespace. */
    public long inode() {
        return inode;
    }

    public int fd() {
        int f = fd;
        if (f < 0) {
            throw new IllegalStateException("network namespace " + name + " handle is closed");
        }
        return f;
    }

    /**
     * Creates a new, anonymous network namespace (no name under /run/netns): a short-lived platform
     * thread unshares into it and opens it. The namespace lives as long as a handle or a device moved
     * into it keeps it: it is gone (with its veth ends, which take their peers along) when the last
     * handle is closed or the process dies, also by SIGKILL. {@link #path()} is
     * {@code /proc/<pid>/fd/<fd>}, usable by a child process ({@code ip ... netns <path>}).
     */
    public static NetNs createAnonymous(String name) throws IOException {
        NetNs[] made = new NetNs[1];
        Throwable[] failed = new Throwable[1];
        Thread t = Thread.ofPlatform().name("expkt-unshare-" + name).start(() -> {
            try {
                MemorySegment state = Native.callState();
                int rc = (int) UNSHARE.invokeExact(state, CLONE_NEWNET);
                if (rc < 0) {
                    throw new LinuxException("unshare(CLONE_NEWNET) for " + name, Native.errno(state));
                }
                int fd = Fds.open("/proc/thread-self/ns/net", Fds.O_RDONLY | Fds.O_CLOEXEC);
                String path = "/proc/" + ProcessHandle.current().pid() + "/fd/" + fd;
                made[0] = new NetNs(name, path, fd);
            } catch (Throwable e) {
                failed[0] = e;
            }
            // the thread ends here: it was the only one in the namespace besides the handle
        });
        try {
            if (!t.join(java.time.Duration.ofSeconds(10))) {
                throw new IOException("creating the network namespace " + name + " did not finish within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while creating the network namespace " + name, e);
        }
        if (failed[0] instanceof IOException io) {
            throw io;
        }
        if (failed[0] != null) {
            throw new IOException("cannot create the network namespace " + name + ": " + failed[0], failed[0]);
        }
        return made[0];
    }

    /**
     * Takes ownership of {@code fd}, an open handle on a network namespace that another owner (an earlier
     * revision of a bundle, through a handover) left open, after checking it still is the namespace
     * {@code expectedInode}: an fd closed meanwhile, or reused for another file, is refused (IOException
     * naming it) and left alone. {@link #path()} is {@code /proc/<pid>/fd/<fd>}, as for
     * {@link #createAnonymous}. Closing the returned handle closes {@code fd}.
     */
    public static NetNs adopt(String name, int fd, long expectedInode) throws IOException {
        if (fd < 0) {
            throw new IOException("network namespace " + name + ": no handle to adopt (fd " + fd + ")");
        }
        String path = "/proc/" + ProcessHandle.current().pid() + "/fd/" + fd;
        long inode;
        try {
            inode = inodeOf(path);
        } catch (IOException e) {
            throw new IOException("network namespace " + name + ": fd " + fd + " is not open any more (" + e + ")", e);
        }
        if (inode != expectedInode) {
            throw new IOException("network namespace " + name + ": fd " + fd + " is now another file (inode " + inode
                    + ", not the namespace " + expectedInode + ")");
        }
        return new NetNs(name, path, fd);
    }

    /** Moves the calling thread into this namespace (no way back is kept: see {@link #call}). */
    public void enter() throws LinuxException {
        setns(fd(), "setns(" + name + ")");
    }

    private static void setns(int fd, String what) throws LinuxException {
        try {
            MemorySegment state = Native.callState();
            int rc = (int) SETNS.invokeExact(state, fd, CLONE_NEWNET);
            if (rc < 0) {
                throw new LinuxException(what, Native.errno(state));
            }
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /**
     * Runs {@code task} with the calling platform thread inside {@code ns}, then puts the thread
     * back in the namespace it was in, also when the task throws. A null {@code ns} runs the task
     * where the thread is.
     */
    public static <T> T call(NetNs ns, Callable<T> task) throws Exception {
        if (ns == null) {
            return task.call();
        }
        if (Thread.currentThread().isVirtual()) {
            throw new IllegalStateException("a network namespace switch needs a platform thread, not the virtual thread "
                    + Thread.currentThread());
        }
        try (NetNs home = current()) {
            if (home.inode == ns.inode) {
                return task.call();
            }
            ns.enter();
            try {
                return task.call();
            } finally {
                // If switching back failed the thread would stay in the wrong namespace: that must not pass silently.
                setns(home.fd(), "setns(back to " + home.inode + ")");
            }
        }
    }

    /** Closes the handle. Idempotent. */
    @Override
    public void close() {
        int f = fd;
        fd = -1;
        if (f >= 0) {
            Fds.closeQuietly(f);
        }
    }

    @Override
    public String toString() {
        return "netns " + name + " [" + inode + "]";
    }
}
