/**
 * The one dispatch model of the provider: lanes (one thread, one epoll set, an agent loop whose
 * idle strategy decides how to wait) that run socket callbacks and whiteboard handlers alike, and the
 * {@link expkt.provider.dispatch.LaneRegistry} that knows which lane each registration is on and holds
 * the one budget, isolation and back-off rule, the watchdog, and the deadline of every wait for
 * bundle code.
 *
 * <p>Threading: bundle code runs on lane threads only, one call at a time per registration. Lifecycle
 * threads (closers, unregisters) take the registry's lock only for bookkeeping, never while bundle code
 * runs or while they wait for it, and wait with a deadline. Knows nothing of sockets: a registration is
 * an fd and a {@link expkt.provider.dispatch.Readable}.
 */
package expkt.provider.dispatch;
