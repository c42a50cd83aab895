package expkt.api.spi;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Where an engine revision stopping for an update (its bundle STOPPING while persistently started, the
 * framework not stopping) leaves its data plane's kernel part ({@link ParkedDataPlane}) for the next
 * revision, instead of deleting it: registered by the keeper ({@code expkt.keeper}), which outlives the
 * provider's revisions. The next revision {@linkplain #take() takes} it at activation and adopts it, or
 * builds anew and says why ({@link #taken}).
 *
 * <p>If no revision takes it within the keeper's grace period ({@code expkt.upgrade.grace.ms}), or the
 * keeper stops, the keeper discards it: closes the punt namespace's fd (its links go with it), deletes
 * the links' near ends and the nftables table. Nothing leaks.
 *
 * <p>Threading: thread-safe.
 */
@ProviderType
public interface EngineHandover {

    /** Parks {@code part}; one discarded first if another was still parked (logged). */
    void park(ParkedDataPlane part);

    /** Takes what is parked, or null if nothing is; the caller owns it from now on. */
    ParkedDataPlane take();

    /**
     * What {@code revision} did with what it took (or with nothing): e.g. {@code adopted ...} or
     * {@code built from scratch: <why>}; shown by {@code expkt:keeper}.
     */
    void taken(String revision, String outcome);

    /**
     * Parks one socket's kernel part under {@code token} (a {@link EngineSession#handoverToken} the keeper
     * holds for the socket); discarded (fd closed, ring unmapped) by the keeper when nobody
     * {@linkplain #takeSocket takes} it within the grace period or the keeper stops.
     */
    void parkSocket(long token, ParkedSocket part);

    /** Takes the socket kernel part parked under {@code token}, or null; the caller owns it from now on. */
    ParkedSocket takeSocket(long token);

}
