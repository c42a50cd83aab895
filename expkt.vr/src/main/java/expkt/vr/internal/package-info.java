/**
 * The VR bundle's implementation behind {@code expkt.api.vr}: the VR table (network namespaces, VRF
 * devices), sockets in a VR (L3 channels {@code L3SocketImpl}, raw IP fds {@code RawIpSocketImpl},
 * the all-VR server socket) with one rule for moving a socket between VRs ({@code VrMove}), their
 * callbacks on the provider's shared lane ({@code LaneCallback}), and per-bundle ownership
 * ({@code SocketOwner}). Private to the bundle; {@code expkt.vr.component} holds its DS components.
 *
 * <p>Threading: each class states its own; sockets are safe for use from several threads, their
 * descriptor changes (move, close) under the socket's own monitor.
 */
package expkt.vr.internal;
