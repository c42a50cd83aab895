package expkt.vr.internal;

import expkt.api.vr.VirtualRouter;
import expkt.api.vr.VrBackend;
import expkt.linux.Errno;
import expkt.linux.IpSockets;
import expkt.linux.LinuxException;
import expkt.linux.NetNs;

import java.io.Closeable;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.channels.Channel;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Makes kernel sockets inside a VR.
 *
 * <p>NETNS backend: the making thread enters the VR's namespace ({@link NetNs#call}), makes the socket
 * and always goes back. The namespace is opened for each socket and closed right after, so a VR whose
 * namespace was deleted gives an error naming it instead of sockets in a namespace that only our handle
 * keeps alive. A namespace switch belongs to an OS thread: a virtual-thread caller hands the work to a
 * helper platform thread (at most one, ended after 5 s idle, so none lingers).
 *
 * <p>VRF backend: the device is checked (it exists and its ethtool driver is {@code vrf}) in the
 * calling thread's namespace, the socket is made there and bound to the VRF device with
 * SO_BINDTODEVICE before it is used, which is what EXOS 30+ does. A JDK channel's fd is reached through
 * {@code sun.nio.ch.SelChImpl.getFDVal()}, which needs the JVM option
 * {@code --add-exports java.base/sun.nio.ch=ALL-UNNAMED}; without it a clear error says so.
 *
 * <p>Threading: thread-safe.
 */
public final class VrExec implements AutoCloseable {
    /** Makes a socket; the result is closed again if binding it to the VR fails. */
    public interface Maker<T extends Closeable> {
        T make() throws IOException;
    }

    /** The kernel fd of what {@link Maker} made (for SO_BINDTODEVICE). */
    public interface FdOf<T> {
        int fd(T socket) throws IOException;
    }

    private final ThreadPoolExecutor helper = new ThreadPoolExecutor(0, 1, 5, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
            r -> Thread.ofPlatform().daemon().name("expkt-vr-socket-maker").unstarted(r));
    private volatile boolean requireVrfDevice = true;

    /**
     * Tests only: accept any device for the VRF backend (SO_BINDTODEVICE works on every device, so the
     * mechanics can be exercised on a kernel without VRF).
     */
    void requireVrfDevice(boolean require) {
        this.requireVrfDevice = require;
    }

    /** Makes a socket in {@code vr}. Errors name the VR and the namespace or device. */
    public <T extends Closeable> T open(VirtualRouter vr, Maker<T> maker, FdOf<T> fdOf) throws IOException {
        if (vr.backend() == VrBackend.VRF) {
            String dev = vr.location();
            String driver;
            try {
                driver = IpSockets.driverName(dev);
            } catch (LinuxException e) {
                throw new IllegalArgumentException("VR " + vr.name() + " (id " + vr.id() + "): VRF device " + dev
                        + (e.errno() == Errno.ENODEV ? " does not exist" : " cannot be checked: " + e.getMessage()), e);
            }
            if (requireVrfDevice && !"vrf".equals(driver)) {
                throw new IllegalArgumentException("VR " + vr.name() + " (id " + vr.id() + "): device " + dev
                        + " is not a VRF device (its driver is " + driver + ")");
            }
            T s = maker.make();
            try {
                IpSockets.bindToDevice(fdOf.fd(s), dev);
                return s;
            } catch (IOException | RuntimeException e) {
                s.close();
                throw e;
            }
        }
        return inNamespace(vr, maker::make);
    }

    /** Runs {@code task} inside a namespace-backed VR (on a platform thread). */
    public <T> T inNamespace(VirtualRouter vr, Callable<T> task) throws IOException {
        if (Thread.currentThread().isVirtual()) {
            Future<T> f = helper.submit(() -> inNamespaceHere(vr, task));
            try {
                return f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while opening a socket in VR " + vr.name(), e);
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof IOException io) {
                    throw io;
                }
                if (c instanceof RuntimeException r) {
                    throw r;
                }
                throw new IOException("cannot open a socket in VR " + vr.name() + ": " + c, c);
            }
        }
        return inNamespaceHere(vr, task);
    }

    private static <T> T inNamespaceHere(VirtualRouter vr, Callable<T> task) throws IOException {
        NetNs ns;
        try {
            ns = NetNs.open(VrTable.namespacePath(vr));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("VR " + vr.name() + " (id " + vr.id() + "): network namespace \""
                    + (vr.location().isEmpty() ? VrTable.HOST_NETNS : vr.location()) + "\" does not exist", e);
        }
        try (ns) {
            return NetNs.call(ns, task);
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("cannot open a socket in VR " + vr.name() + ": " + e, e);
        }
    }

    /** The fd of a JDK channel (for SO_BINDTODEVICE), via the JDK's internal SelChImpl. */
    public static int fdOfChannel(Channel ch) {
        Method m = FD_VAL;
        if (m == null) {
            throw new UnsupportedOperationException("binding a JDK channel to a VRF device needs the JVM option "
                    + "--add-exports java.base/sun.nio.ch=ALL-UNNAMED (cannot reach sun.nio.ch.SelChImpl.getFDVal: " + FD_VAL_PROBLEM + ")");
        }
        try {
            return (int) m.invoke(ch);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new UnsupportedOperationException("cannot read the fd of " + ch + ": " + e, e);
        }
    }

    private static final Method FD_VAL;
    private static final String FD_VAL_PROBLEM;

    static {
        Method m = null;
        String problem = "";
        try {
            Class<?> selCh = Class.forName("sun.nio.ch.SelChImpl", false, ClassLoader.getPlatformClassLoader());
            m = selCh.getMethod("getFDVal");
            if (!selCh.getModule().isExported("sun.nio.ch", VrExec.class.getModule())) {
                problem = "java.base does not export sun.nio.ch to " + VrExec.class.getModule();
                m = null;
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            problem = e.toString();
        }
        FD_VAL = m;
        FD_VAL_PROBLEM = problem;
    }

    /** Ends the helper thread (if one runs). */
    @Override
    public void close() {
        helper.shutdown();
        try {
            helper.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
