/**
 * The platform commands that must work while no Declarative Services component does: {@code expkt:refresh}
 * ({@link expkt.host.platform.PlatformRefresh}) and the refusal of Gogo's {@code felix:uninstall} for a
 * platform bundle ({@link expkt.host.platform.PlatformUninstall}). Plain objects registered by the
 * {@code expkt.host} bundle activator ({@link expkt.host.HostActivator}): after {@code update <SCR>}
 * there is no DS component until a refresh, and the refresh must still be there to be asked for.
 * Private to {@code expkt.host}.
 */
package expkt.host.platform;
