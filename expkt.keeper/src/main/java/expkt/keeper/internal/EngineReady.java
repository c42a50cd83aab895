package expkt.keeper.internal;

/**
 * A marker service the {@link EngineTracker} registers while a packet engine serves or is being
 * replaced (within the grace period): {@link KeptPacketService} requires it, so the protocols' packet
 * service exists only while a provider does or is about to again.
 */
public final class EngineReady {
}
