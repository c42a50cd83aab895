/**
 * The provider's edge: every Declarative Services component of the bundle, in one package, so that
 * what SCR creates, wires and destroys on a provider update is in one place (DESIGN.md, "Target
 * layout"). {@link expkt.provider.component.L2Provider} (the data plane and the engine, with its
 * ConfigAdmin configuration {@link expkt.provider.component.DataPlaneConfiguration}),
 * {@link expkt.provider.component.PacketEngineComponent} (the engine the keeper forwards the protocols'
 * {@code PacketService} calls to: {@code expkt.keeper} registers {@code PacketService} and
 * {@code StateHandover}, so that a provider update deactivates no protocol component),
 * {@link expkt.provider.component.HandlerWhiteboard} (the {@code PacketHandler} whiteboard),
 * {@link expkt.provider.component.ExpktRuntimeComponent} (the runtime DTOs) and the Gogo commands' components. They only wire: the logic
 * is in the OSGi-free packages ({@code socket}, {@code whiteboard}, {@code runtime}, {@code command}),, which the unit tests drive without a framework.
 *
 * <p>Threading: constructors, bind/unbind and deactivate run on SCR's threads; the services they
 * register are called on any thread and delegate to thread-safe cores.
 */
package expkt.provider.component;
