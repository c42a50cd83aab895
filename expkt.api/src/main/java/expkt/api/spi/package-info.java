/**
 * Contracts between expkt's own bundles that are not part of the public API: how the provider fills
 * an {@link expkt.api.packet.ExosSockAddr} ({@link expkt.api.spi.ExosSockAddrs}), how it learns
 * which VR a network namespace is ({@link expkt.api.spi.VrNamespaces}, implemented by the VR registry),
 * {@link expkt.api.spi.FrameWindow}, the {@link expkt.api.packet.FrameView} a socket hands out
 * (re-pointed per frame, released when its ring slot goes back to the kernel), and
 * {@link expkt.api.spi.BundleIdentity}, the one owner identity (bundle id, symbolic name, version) the
 * provider's sockets and handlers and the VR registry's per-bundle sockets carry (1.1.0).
 * 1.2.0: {@link expkt.api.spi.ExosSockAddrs#setVlanTag} (was {@code ExosSockAddr.setVlanTag}, public);
 * {@link expkt.api.spi.VrSocketListing}, the VR registry's L3 and raw IP sockets for the runtime DTOs.
 * 1.4.0: the engine SPI, {@link expkt.api.spi.PacketEngine} and {@link expkt.api.spi.EngineSession}: the
 * provider registers its engine, the keeper ({@code expkt.keeper}) registers {@code PacketService} for the
 * protocols and forwards to it, so a provider update deactivates no protocol component.
 * 1.5.0: {@link expkt.api.spi.EngineHandover} (registered by the keeper) and {@link expkt.api.spi.ParkedDataPlane}:
 * an engine revision stopping for an update parks its data plane's kernel part (punt namespace, punt links,
 * nftables table) as plain values, the next revision adopts it; likewise each kept socket's kernel part
 * ({@link expkt.api.spi.ParkedSocket}, {@link expkt.api.spi.EngineSession#handoverToken},
 * {@link expkt.api.spi.EngineSession#adopt}).
 * 1.6.0: the VR engine SPI, {@link expkt.api.spi.VrEngine}, {@link expkt.api.spi.VrSession} and
 * {@link expkt.api.spi.ParkedRawSocket}, {@link expkt.api.spi.ParkedChannel}: {@code expkt.vr} registers its
 * engine, the keeper registers {@code VrSockets} for the protocols and hands each kept raw socket's descriptor
 * and each plain channel to the next revision, so
 * an update of {@code expkt.vr} deactivates no protocol component that uses only {@code VrSockets}.
 * 1.7.0: {@link expkt.api.spi.VrSession#parkAll}, {@link expkt.api.spi.VrSession#adoptAll} and
 * {@link expkt.api.spi.ParkedAllVrServerSocket}: the listening channels of an {@code ALL} server socket and their
 * selector are handed to the next revision unclosed, like an L3 socket's channel.
 * 1.8.0: {@link expkt.api.spi.ParkedSocket#backlog()}: what the keeper copied out of a parked ring while no
 * revision read it (so the kernel could go on filling it), read by the adopting revision before the ring.
 * Also 1.8.0: {@link expkt.api.spi.VrEngine#virtualRouters} and {@link expkt.api.spi.VrRegistryView}: the keeper registers
 * {@code VirtualRouters} too (still implementing {@link expkt.api.spi.VrNamespaces} and
 * {@link expkt.api.spi.VrSocketListing} for the provider) and forwards to the revision serving, so an update of
 * {@code expkt.vr} deactivates no component that references {@code VirtualRouters}.
 *
 * <p>Exported with the mandatory attribute {@code expkt.internal=api} ({@code expkt.api/bnd.bnd}):
 * only a bundle whose import names it (the provider, the keeper, {@code expkt.vr}, the codec, the test kit) wires
 * to this package; a protocol bundle's ordinary import does not resolve. Versioned and baselined like
 * the rest of the API, but it may change with expkt's own bundles.
 */
@Version("1.8.0")
package expkt.api.spi;

import org.osgi.annotation.versioning.Version;
