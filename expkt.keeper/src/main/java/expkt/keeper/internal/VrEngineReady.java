package expkt.keeper.internal;

/**
 * A marker service the {@link VrEngineTracker} registers while a VR engine ({@code expkt.vr}) serves or is
 * being replaced (within the grace period): {@link KeptVrSockets} requires it, so the protocols'
 * {@code VrSockets} exists only while {@code expkt.vr} runs or is about to again (as {@link EngineReady}
 * does for the packet engine).
 */
public final class VrEngineReady {
}
