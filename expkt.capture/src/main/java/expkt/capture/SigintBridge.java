package expkt.capture;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Turns Ctrl-C into an interrupt of the running captures. The host's console (the plain Gogo shell)
 * leaves the terminal in cooked mode, so Ctrl-C is a SIGINT to the whole JVM: without this, stopping a
 * capture would stop the host (measured: the JVM exits and the provider's nftables table stays). While
 * at least one capture runs, a SIGINT handler interrupts every capture thread instead; when the last
 * one ends the previous handler is put back, so SIGINT outside a capture does what it did before.
 *
 * <p>The handler is {@code sun.misc.Signal} (module jdk.unsupported), reached by reflection through the
 * system class loader so that the bundle needs no import of it. A JVM that ignores SIGINT (started in
 * the background) or reserves it ({@code -Xrs}) gets no handler: {@link #enter()} returns false and
 * the capture still ends on its limit or on an interrupt of its thread.
 *
 * <p>Threading: thread-safe (one lock around the set of threads and the handler swap).
 */
final class SigintBridge {
    private static final Object LOCK = new Object();
    private static final Set<Thread> CAPTURES = new LinkedHashSet<>();
    private static Object previous;
    private static boolean installed;

    private SigintBridge() {
    }

    /** Registers the calling thread as a capture; true if SIGINT now interrupts it. */
    static boolean enter() {
        synchronized (LOCK) {
            CAPTURES.add(Thread.currentThread());
            if (!installed && CAPTURES.size() == 1) {
                install();
            }
            return installed;
        }
    }

    /** Unregisters the calling thread; the last one puts the previous handler back. */
    static void exit() {
        synchronized (LOCK) {
            CAPTURES.remove(Thread.currentThread());
            if (installed && CAPTURES.isEmpty()) {
                restore();
            }
        }
    }

    /** True while the handler is installed (for tests). */
    static boolean active() {
        synchronized (LOCK) {
            return installed;
        }
    }

    private static void onSigint() {
        synchronized (LOCK) {
            for (Thread t : CAPTURES) {
                t.interrupt();
            }
        }
    }

    private static void install() {
        try {
            ClassLoader system = ClassLoader.getSystemClassLoader();
            Class<?> signalClass = system.loadClass("sun.misc.Signal");
            Class<?> handlerClass = system.loadClass("sun.misc.SignalHandler");
            Object sigint = signalClass.getConstructor(String.class).newInstance("INT");
            InvocationHandler ih = (Object proxy, Method m, Object[] args) -> {
                return switch (m.getName()) {
                    case "handle" -> {
                        onSigint();
                        yield null;
                    }
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    case "toString" -> "expkt:capture SIGINT handler";
                    default -> null;
                };
            };
            Object handler = Proxy.newProxyInstance(system, new Class<?>[] {handlerClass}, ih);
            Method handle = signalClass.getMethod("handle", signalClass, handlerClass);
            Object old = handle.invoke(null, sigint, handler);
            // the JVM answers SIG_IGN without installing anything when SIGINT was ignored at its start
            if (old == handlerClass.getField("SIG_IGN").get(null)) {
                return;
            }
            previous = old;
            installed = true;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            // no handler (no jdk.unsupported, -Xrs): captures end on their limit or an interrupt
        }
    }

    private static void restore() {
        try {
            ClassLoader system = ClassLoader.getSystemClassLoader();
            Class<?> signalClass = system.loadClass("sun.misc.Signal");
            Class<?> handlerClass = system.loadClass("sun.misc.SignalHandler");
            Object sigint = signalClass.getConstructor(String.class).newInstance("INT");
            signalClass.getMethod("handle", signalClass, handlerClass).invoke(null, sigint, previous);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            // the handler stays; it only interrupts captures, and there are none
        } finally {
            previous = null;
            installed = false;
        }
    }
}
