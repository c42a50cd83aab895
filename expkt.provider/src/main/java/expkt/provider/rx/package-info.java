/**
 * The receive path of a packet socket: {@link expkt.provider.rx.RxRing} (the TPACKET_V3/V2 ring read
 * in place) and {@link expkt.provider.rx.RxPath} (next frame, waiting in poll(2) slices, and the frame's
 * {@code ExosSockAddr}: port, direction, VLAN and VR resolved from one data-plane model; frames whole,
 * the outer VLAN tag put back in place; read-only views released at the next receive), with
 * {@link expkt.provider.rx.FramePorts}, the engine's view of the ports it needs. Depends on
 * {@code dataplane} and the API, never on {@code socket}.
 *
 * <p>Threading: the socket's one reader thread at a time (under the socket's receive lock); nothing
 * here allocates per frame.
 */
package expkt.provider.rx;
