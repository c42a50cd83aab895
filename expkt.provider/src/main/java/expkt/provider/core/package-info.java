/**
 * Shared value and identity types of the provider, used by every other package and depending on none
 * of them: {@link expkt.provider.core.ProviderLog} (where the provider logs) and
 * {@link expkt.provider.core.VrScope} (resolving VR names and ids). Who owns a socket or a handler is
 * {@link expkt.api.spi.BundleIdentity}, the owner identity shared with {@code expkt.vr}.
 *
 * <p>Threading: the types here are immutable or thread-safe.
 */
package expkt.provider.core;
