package expkt.itest;

import org.junit.runner.Description;
import org.junit.runner.Runner;
import org.junit.runner.manipulation.Filter;
import org.junit.runner.manipulation.Filterable;
import org.junit.runner.manipulation.NoTestsRemainException;
import org.junit.runner.manipulation.Sortable;
import org.junit.runner.manipulation.Sorter;
import org.junit.runner.notification.RunNotifier;
import org.junit.runners.model.InitializationError;
import org.ops4j.pax.exam.junit.PaxExam;

/**
 * Pax Exam's runner, plus the end of the test class's lab. Pax Exam's class block runs no
 * {@code @AfterClass} in the driver, so the lab made by {@link ExpktTestSupport#configuration()} is
 * removed here, after the framework has stopped, whatever the tests did; also when Pax Exam fails to
 * set up (the configuration is read in its constructor).
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
        try {
            delegate.run(notifier);
        } finally {
            ExpktTestSupport.removeLab(testClass);
        }
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
