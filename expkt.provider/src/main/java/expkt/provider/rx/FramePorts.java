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
}
