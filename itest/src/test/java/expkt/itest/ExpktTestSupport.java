package expkt.itest;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import javax.inject.Inject;

import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.ProbeBuilder;
import org.ops4j.pax.exam.TestProbeBuilder;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;

import expkt.lab.Lab;

/**
 * Base of every Pax Exam test of expkt: one Felix framework and one fresh lab per test class.
 *
 * <p>Two sides: the <em>driver</em> (the test JVM's class path) builds the lab in {@link #configuration()},
 * and {@link ExpktRunner} removes it after the class, also when a test failed; the lab's own
 * shutdown hook removes it if the JVM is stopped, and {@link Lab#cleanStale()} removes what a killed JVM
 * left. The <em>probe</em> (the test methods, run inside the framework) reaches the same lab through
 * {@link #lab()}, a {@link Lab#view} found by the framework property {@link ExpktOptions#LAB_PREFIX}. The
 * host's data plane ({@link ExpktOptions#DATAPLANE_NETNS}) is the lab's switch namespace, while the
 * framework itself stays in the test JVM's namespace, as on a device with a separate management
 * namespace.
 *
 * <p>A test class overrides {@link #labSpec()} for another lab shape and {@link #options()} to add
 * bundles, e.g. {@code return new Option[] {ExpktOptions.projectBundles("expkt.provider")};}.
 */
@RunWith(ExpktRunner.class)
@ExamReactorStrategy(PerClass.class)
public abstract class ExpktTestSupport {
    /** Labs of the driver, by test class name (Pax Exam may ask a class for its configuration more than once). */
    private static final Map<String, Lab> LABS = new ConcurrentHashMap<>();
    private static volatile String lastLabPrefix;

    @Inject
    protected BundleContext context;

    private Lab view;

    /** Driver side: the framework and lab of this test class. */
    @Configuration
    public Option[] configuration() {
        Lab lab = LABS.computeIfAbsent(getClass().getName(), name -> {
            Lab.cleanStale();
            return labSpec().build();
        });
        lastLabPrefix = lab.prefix();
        Option[] extra = options();
        Option[] all = new Option[extra.length + 1];
        all[0] = ExpktOptions.host(lab, getClass());
        System.arraycopy(extra, 0, all, 1, extra.length);
        return all;
    }

    /**
     * Driver side: the probe (the test classes in the framework) may use expkt.linux (NetNs for lab
     * peers), whose export is internal (mandatory attribute expkt.internal=linux, SECURITY.md): its
     * dynamic import names the attribute; everything else stays {@code *}.
     */
    @ProbeBuilder
    public TestProbeBuilder probe(TestProbeBuilder probe) {
        probe.setHeader("DynamicImport-Package", "expkt.linux;expkt.internal=linux,*");
        return probe;
    }

    /** The lab of this test class: 2 bridged ports unless overridden. */
    protected Lab.Builder labSpec() {
        return Lab.builder().ports(2).bridge(true);
    }

    /** More options (bundles, properties) for this test class. */
    protected Option[] options() {
        return new Option[0];
    }

    /** Driver side, after the class (passed or failed): its lab goes. */
    static void removeLab(Class<?> testClass) {
        Lab lab = LABS.remove(testClass.getName());
        if (lab != null) {
            lab.close();
        }
    }

    /** Driver side: the prefix of the lab made last (for tests of the harness itself). */
    static String lastLabPrefix() {
        return lastLabPrefix;
    }

    /** Probe side: this test class's lab. Do not close it: the driver owns it. */
    protected Lab lab() {
        if (view == null) {
            view = Lab.view(context.getProperty(ExpktOptions.LAB_PREFIX));
        }
        return view;
    }

    /**
     * Waits until {@code condition} holds, polling every 20 ms; after {@code millis} fails naming
     * {@code what}. For conditions the system reaches by itself (a bundle active, a neighbour listed),
     * not for performance.
     */
    protected static void await(String what, long millis, java.util.function.BooleanSupplier condition) throws InterruptedException {
        expkt.lab.Deadlines.await(millis, what, condition);
    }

    /**
     * Runs Gogo command {@code expkt:<function>} (no arguments) as Gogo calls it, by the function's name
     * on the service that declares it, once it is registered (10 s at most), and returns its text.
     */
    protected String expktCommand(String function) throws Exception {
        String filter = "(&(osgi.command.scope=expkt)(osgi.command.function=" + function + "))";
        java.util.concurrent.atomic.AtomicReference<org.osgi.framework.ServiceReference<?>> ref = new java.util.concurrent.atomic.AtomicReference<>();
        await("the Gogo command expkt:" + function, 10_000, () -> {
            try {
                org.osgi.framework.ServiceReference<?>[] refs = context.getServiceReferences((String) null, filter);
                ref.set(refs == null ? null : refs[0]);
                return refs != null;
            } catch (org.osgi.framework.InvalidSyntaxException e) {
                throw new IllegalArgumentException(filter, e);
            }
        });
        Object svc = context.getService(ref.get());
        try {
            return String.valueOf(svc.getClass().getMethod(function).invoke(svc));
        } finally {
            context.ungetService(ref.get());
        }
    }

    /** The {@code type} service once it is registered (10 s at most; then an AssertionError naming it). */
    protected <T> T awaitService(Class<T> type) throws InterruptedException {
        return awaitService(type, "");
    }

    /** As {@link #awaitService(Class)}, {@code why} (what its absence means) added to the failure. */
    protected <T> T awaitService(Class<T> type, String why) throws InterruptedException {
        java.util.concurrent.atomic.AtomicReference<T> got = new java.util.concurrent.atomic.AtomicReference<>();
        await("a " + type.getName() + " service" + why, 10_000, () -> {
            org.osgi.framework.ServiceReference<T> ref = context.getServiceReference(type);
            got.set(ref == null ? null : context.getService(ref));
            return got.get() != null;
        });
        return got.get();
    }
}
