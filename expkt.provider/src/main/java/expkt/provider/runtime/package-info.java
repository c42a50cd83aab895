/**
 * The runtime introspection service ({@code expkt.api.runtime.ExpktRuntime}): {@link
 * expkt.provider.runtime.RuntimeSnapshots} copies the engine's, the handler whiteboard's, the dispatch
 * lanes' and the VR registry's state into DTOs; {@link expkt.provider.component.ExpktRuntimeComponent}
 * registers it. The Gogo commands (tables in {@code expkt.provider.command}, components in
 * {@code expkt.provider.component}) print these DTOs.
 *
 * <p>Threading: any thread; a snapshot reads volatile counters and takes the registries' own
 * (non-per-frame) locks briefly, never waits for bundle code.
 */
package expkt.provider.runtime;
