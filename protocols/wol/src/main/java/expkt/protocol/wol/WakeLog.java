package expkt.protocol.wol;

import expkt.api.operator.LogThrottle;
import expkt.api.operator.Printable;

import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The relay's per-event log lines, bounded: one INFO line per magic packet and one WARN line per
 * invalid one would let any host on a port write the log at line rate (300 magic packets/s wrote
 * 30 MB in 13 minutes), so each kind is throttled to one line per interval, and the next line says
 * how many were left out. {@code wol:stats} counts every one.
 *
 * <p>Threading: thread-safe (the throttles are).
 */
final class WakeLog {
    /** At most one line per kind per 10 s. */
    static final long INTERVAL_NANOS = 10_000_000_000L;

    private final Consumer<String> info;
    private final Consumer<String> warn;
    private final LongSupplier nanoClock;
    private final LogThrottle magic = new LogThrottle(INTERVAL_NANOS, "magic packets");
    private final LogThrottle invalid = new LogThrottle(INTERVAL_NANOS, "invalid magic packets");

    WakeLog(Consumer<String> info, Consumer<String> warn, LongSupplier nanoClock) {
        this.info = info;
        this.warn = warn;
        this.nanoClock = nanoClock;
    }

    /** After {@link WolRelayCore#onFrame} returned {@code kind}: logs the magic packet or the problem, throttled. */
    void onFrame(MagicPacketInspector.Kind kind, WolRelayCore core) {
        if (kind == MagicPacketInspector.Kind.ETHERTYPE || kind == MagicPacketInspector.Kind.UDP) {
            long skipped = magic.admit(nanoClock.getAsLong());
            if (skipped >= 0) {
                WolRelayCore.Wake w = core.history().getLast();
                info.accept("Wake-on-LAN: magic packet (" + w.kind() + ") for " + w.target() + " from " + w.source() + " on "
                        + w.ingress() + ", relayed to " + w.relayedTo() + magic.suffix(skipped));
            }
        } else if (kind == MagicPacketInspector.Kind.INVALID) {
            long skipped = invalid.admit(nanoClock.getAsLong());
            if (skipped >= 0) {
                warn.accept("Wake-on-LAN: " + Printable.escape(core.lastError()) + invalid.suffix(skipped));
            }
        }
    }
}
