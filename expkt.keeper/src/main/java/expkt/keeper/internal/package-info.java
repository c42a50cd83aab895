/**
 * The keeper's DS components: {@link expkt.keeper.internal.KeptPacketService} (the protocols'
 * {@code PacketService}, one per bundle) and its {@link expkt.keeper.internal.KeptSocket}s, which
 * forward to the provider's engine and are replayed on the next engine after a provider update;
 * {@link expkt.keeper.internal.EngineTracker}, which follows the engine service and moves everyone
 * across; {@code StateHandover} (moved here from the provider so that saved state and the service
 * survive a provider update); {@code expkt:keeper}.
 *
 * <p>Threading: see each class; no lock of the keeper is held while protocol code runs.
 */
package expkt.keeper.internal;
