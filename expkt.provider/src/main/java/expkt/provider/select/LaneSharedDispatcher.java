package expkt.provider.select;

import expkt.linux.SharedDispatcher;
import expkt.provider.dispatch.LaneRegistry;
import expkt.provider.dispatch.Readable;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Offers the provider's dispatcher lanes ({@link LaneRegistry}, through its public surface) to the VR
 * bundle: callbacks of L3 and raw IP sockets run on the {@value LaneRegistry#SHARED} lane like L2
 * socket callbacks. Their registrations have negative keys, so they never meet a packet socket's id.
 *
 * <p>Registered by {@code L2Provider} itself, as a plain service object, while it is active: a DS
 * component referencing the provider made a reference cycle (L2Provider → VirtualRouters →
 * SharedDispatcher → L2Provider) that SCR reported as an ERROR when the provider was updated.
 *
 * <p>Threading: any thread.
 */
public final class LaneSharedDispatcher implements SharedDispatcher {
    private static final AtomicLong KEYS = new AtomicLong();
    private final LaneRegistry lanes;

    public LaneSharedDispatcher(LaneRegistry lanes) {
        this.lanes = lanes;
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
