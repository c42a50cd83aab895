package expkt.linux;

import java.io.IOException;

/**
 * The L2 provider's shared dispatcher lanes (the seed's "a shared thread is used to block on many
 * sockets"), offered as a service to the VR bundle so that callbacks of L3 and raw IP sockets run on
 * the same lanes, under the same budget, isolation and back-off rule, as L2 socket callbacks. Internal:
 * registered by {@code expkt.provider}, used by {@code expkt.vr} (this package is not importable by
 * protocol bundles).
 *
 * <p>Threading: any thread. Bundle code runs on lane threads only, one call at a time per registration.
 */
public interface SharedDispatcher {

    /** What a lane runs when the descriptor is readable. Lane thread. */
    interface Target {
        /** Runs the socket's callback once. An exception is the bundle's: counted and logged by the lane. */
        void onReadable() throws Exception;

        /** A counter of reads the callback did, that only grows (the lane's "work"). */
        long consumed();

        /** True if data was left unread after the last call (no system call: known from that call). */
        boolean ready();

        /** Names the socket and its owner in log lines. */
        String describe();
    }

    /** One socket on a lane. */
    interface Registration {
        /**
         * Stops calling the target and waits, holding no lock, until its running call returns or
         * {@code deadlineNanos} (System.nanoTime) passes. True: no call runs and none will, the
         * descriptor may be closed now. False: a call still runs (this very thread's, or stuck past the
         * deadline): use {@link #onceIdle} for what must wait for it.
         */
        boolean detach(long deadlineNanos);

        /** Runs {@code action} once no call runs: now, or on the lane's thread when the call returns. */
        void onceIdle(Runnable action);

        /** The lane it runs on now (e.g. {@code shared}). */
        String lane();

        /** {@code active}, {@code backed off}, {@code stopping}, {@code stuck N ms}, {@code closed}. */
        String state();
    }

    /** How long {@link Registration#detach} should wait for a running call (the lanes' one deadline). */
    long callDeadlineNanos();

    /**
     * Runs {@code target} on the shared lane whenever {@code fd} is readable (level-triggered), until
     * detached. The caller keeps {@code fd} open until {@link Registration#detach} returned true, or
     * its {@link Registration#onceIdle} action runs. {@code ownLaneName} names the lane it gets if found slow.
     */
    Registration attach(int fd, Target target, String ownLaneName) throws IOException;
}
