package expkt.provider.select;

import expkt.linux.SharedDispatcher;
import expkt.provider.dispatch.LaneRegistry;
import expkt.provider.dispatch.Readable;
import expkt.provider.osgi.L2Provider;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Offers the provider's dispatcher lanes ({@link LaneRegistry}, through its public surface) to the VR
 * bundle: callbacks of L3 and raw IP sockets run on the {@value LaneRegistry#SHARED} lane like L2
 * socket callbacks. Their registrations have negative keys, so they never meet a packet socket's id.
 *
 * <p>Threading: any thread.
 */
@Component(service = SharedDispatcher.class)
public final class SharedDispatcherComponent implements SharedDispatcher {
    private static final AtomicLong KEYS = new AtomicLong();
    private final LaneRegistry lanes;

    @Activate
    public SharedDispatcherComponent(@Reference L2Provider provider) {
        this.lanes = provider.engine().dispatcher();
    }

    @Override
    public long callDeadlineNanos() {
        return LaneRegistry.CALL_DEADLINE_NANOS;
    }

    @Override
    public SharedDispatcher.Registration attach(int fd, Target target, String ownLaneName) throws IOException {
        Readable readable = new Readable() {
            @Override
            public void onReadable() throws Exception {
                target.onReadable();
            }

            @Override
            public long consumed() {
                return target.consumed();
            }

            @Override
            public boolean ready() {
                return target.ready();
            }

            @Override
            public String describe() {
                return target.describe();
            }
        };
        expkt.provider.dispatch.Registration r = lanes.attach(-KEYS.incrementAndGet(), fd, readable, LaneRegistry.SHARED, ownLaneName);
        return new SharedDispatcher.Registration() {
            @Override
            public boolean detach(long deadlineNanos) {
                return lanes.awaitIdle(r, deadlineNanos);
            }

            @Override
            public void onceIdle(Runnable action) {
                lanes.onceIdle(r, action);
            }

            @Override
            public String lane() {
                return r.laneName();
            }

            @Override
            public String state() {
                return r.state();
            }
        };
    }
}
