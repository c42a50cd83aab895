package expkt.api.runtime;

import org.osgi.dto.DTO;

/**
 * A dispatch lane: one thread running callbacks and handlers.
 *
 * <p>Threading: a copy owned by its caller.
 */
public class LaneDTO extends DTO {
    /** Lane name: {@code shared}, {@code lane-<bundle id>}, {@code own-...}. */
    public String name;
    /** Name of its thread ({@code expkt-dispatch-<name>}). */
    public String thread;
    /** Registrations (sockets) it serves. */
    public int registrations;
    /** True if it is dedicated to one registration found slow. */
    public boolean dedicated;
    /** Times its thread woke from its wait (epoll) since the lane started. */
    public long wakeups;
    /** How long it polls its rings before it sleeps, µs: the largest busy-poll budget of its sockets. @since 1.1 */
    public long busyPollMicros;
    /** Calls that busy-polling started (a frame found without a wake-up) since the lane started. @since 1.1 */
    public long polls;
    /** Time spent busy-polling (spinning and yielding between looks) since the lane started, nanoseconds. @since 1.1 */
    public long spinNanos;
    /** Calls into bundle code it made since it started. */
    public long calls;
    /** Time spent in bundle code since it started, nanoseconds. */
    public long busyNanos;
}
