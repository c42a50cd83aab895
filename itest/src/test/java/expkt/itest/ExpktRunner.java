package expkt.itest;

import org.junit.runner.Description;
import org.junit.runner.Runner;
import org.junit.runner.manipulation.Filter;
import org.junit.runner.manipulation.Filterable;
import org.junit.runner.manipulation.NoTestsRemainException;
import org.junit.runner.manipulation.Sortable;
import org.junit.runner.manipulation.Sorter;
import org.junit.runner.notification.Failure;
import org.junit.runner.notification.RunNotifier;
import org.junit.runners.model.InitializationError;
import org.ops4j.pax.exam.junit.PaxExam;

/**
 * Pax Exam's runner, plus the end of the test class's lab. Pax Exam's class block runs no
 * {@code @AfterClass} in the driver, so the lab made by {@link ExpktTestSupport#configuration()} is
 * removed here, after the framework has stopped, whatever the tests did; also when Pax Exam fails to
 * set up (the configuration is read in its constructor).
 *
 * <p>It also fails the class that leaves an nftables {@code table netdev expkt} in the root namespace
 * where there was none before it ran: the tests' providers run in the test JVM, which is in the root
 * namespace, and their tables belong in the lab's namespaces. (A CI run once ended with an empty one
 * there and nothing said which test made it.)
 */
public final class ExpktRunner extends Runner implements Filterable, Sortable {
    private final Class<?> testClass;
    private final PaxExam delegate;

    public ExpktRunner(Class<?> testClass) throws InitializationError {
        this.testClass = testClass;
        try {
            this.delegate = new PaxExam(testClass);
        } catch (InitializationError | RuntimeException | Error e) {
            ExpktTestSupport.removeLab(testClass);
            throw e;
        }
    }

    @Override
    public Description getDescription() {
        return delegate.getDescription();
    }

    @Override
    public void run(RunNotifier notifier) {
        boolean tableBefore = rootTable() != null;
        try {
            delegate.run(notifier);
        } finally {
            ExpktTestSupport.removeLab(testClass);
        }
        String after = tableBefore ? null : rootTable();
        if (after != null) {
            notifier.fireTestFailure(new Failure(getDescription(), new AssertionError(testClass.getName()
                    + " left an nftables table netdev expkt in the root namespace (there was none before it ran): " + after)));
        }
    }

    /** The root namespace's {@code table netdev expkt} as nft lists it, or null if there is none (or no nft). */
    private static String rootTable() {
        expkt.lab.Exec.Result r = expkt.lab.Exec.run(10_000, java.util.List.of("nft", "list", "table", "netdev", "expkt"));
        return r.ok() ? r.stdout().strip() : null;
    }

    @Override
    public void filter(Filter filter) throws NoTestsRemainException {
        delegate.filter(filter);
    }

    @Override
    public void sort(Sorter sorter) {
        delegate.sort(sorter);
    }
}
