/**
 * The edge of {@code expkt.vr}: its Declarative Services components, which only wire. {@link
 * expkt.vr.component.VrRegistry} is the one VR registry of the host (built-in VRs, the default VR, the
 * socket maker); {@link expkt.vr.component.VrEngineComponent} is this revision as the keeper's engine,
 * which makes its per-bundle faces (a bundle's own VR affinity and sockets: the keeper registers
 * {@code VirtualRouters} and {@code VrSockets} and forwards to them); {@link expkt.vr.component.UserVr} and {@link expkt.vr.component.VrAffinity}
 * are the operator's factory configurations; {@link expkt.vr.component.VrCommand} is {@code expkt:vr}.
 * The logic lives in {@code expkt.vr.internal}.
 *
 * <p>Threading: SCR's threads for activation and configuration; the services are thread-safe.
 */
package expkt.vr.component;
