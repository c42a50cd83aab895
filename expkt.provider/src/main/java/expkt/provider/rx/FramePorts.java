package expkt.provider.rx;

import expkt.api.packet.Port;
import expkt.provider.dataplane.DataPlaneModel;

/**
 * What the receive path needs to know about the data plane to address a frame: the current model,
 * the port a frame's interface belongs to (the far end of a port's punt link, or on the degrade path the
 * port itself), and whether that interface carries EGRESS copies. Implemented by the engine, so that {@code rx} does not depend on {@code socket}.
 *
 * <p>Threading: called on a socket's receiving thread; implementations allocate nothing.
 */
public interface FramePorts {
    /** The data-plane model now (a copy-on-write snapshot). */
    DataPlaneModel model();

    /** The port a frame seen on {@code ifIndex} belongs to under {@code model}; null if none. */
    Port portOfFrame(DataPlaneModel model, int ifIndex);

    /** True if {@code ifIndex} carries a port's EGRESS copies (the far end of its egress punt link). */
    boolean isCapture(int ifIndex);

    /**
     * Learns where a received frame's source MAC is (the data plane's FDB, for VLAN sends that forward):
     * {@code ifIndex}, {@code vlan} (-1: untagged) and {@code pkttype} as the ring gave them, the frame at
     * {@code offset} in {@code frame}, seen at {@code nanoTime} (a {@link System#nanoTime()} read by the path at
     * most about a millisecond ago: once per lane call, not per frame). Called once per frame the path hands
     * out; allocates nothing and reads no clock. Frames leaving a port (EGRESS copies) teach nothing.
     * Default: no learning.
     */
    default void learn(DataPlaneModel model, int ifIndex, int vlan, int pkttype, java.lang.foreign.MemorySegment frame,
            long offset, long nanoTime) {
    }
}
