/**
 * The seed's {@code select()}: {@link expkt.provider.select.PacketSelectorImpl}, one epoll set over
 * L2 packet sockets (edge-triggered wake-ups, readiness from the receive ring) and the VR bundle's L3
 * and raw IP sockets (level-triggered), each an {@link expkt.linux.Selectable} that tells the selector
 * before its descriptor goes.
 *
 * <p>Threading: see the class.
 */
package expkt.provider.select;
