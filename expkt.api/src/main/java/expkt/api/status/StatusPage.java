package expkt.api.status;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A page of status tables a bundle shows to operators: the LLDP agent's neighbour table, the
 * Wake-on-LAN relay's last magic packets. Registered as a service with two properties:
 * <ul>
 * <li>{@value #NAME} (required): the page's name in URLs, 1 to 40 characters of {@code a-z},
 * {@code 0-9} and {@code -}, starting with a letter, unique among the registered pages (the web
 * console shows it at {@code /system/console/expkt-<name>});</li>
 * <li>{@value #TITLE} (optional, the name if absent): the title in menus and on the page.</li>
 * </ul>
 * A page with a missing or bad name, or a name already taken, is not shown, and the host logs an
 * ERROR naming the bundle and the reason.
 *
 * <p>Threading: {@link #status()} is called by the host's threads, concurrently, on every view and
 * every live refresh (every 2 s per open page). It must return quickly: the host waits at most
 * {@value #DEADLINE_MILLIS} ms for an answer, then shows the page as not answering (and calls again
 * only once the late call has returned).
 */
@ConsumerType
public interface StatusPage {
    /** Service property: the page's name in URLs ({@code [a-z][a-z0-9-]{0,39}}). */
    String NAME = "expkt.status.name";
    /** Service property: the page's title. */
    String TITLE = "expkt.status.title";
    /** How long the host waits for {@link #status()}, milliseconds. */
    long DEADLINE_MILLIS = 2_000;

    /**
     * The page now: a snapshot made for the caller (the host owns it once returned and never hands it
     * back). Cells are plain text, as the bundle would print it; the host escapes them.
     *
     * @return the page's tables; never null
     */
    StatusPageDTO status();
}
