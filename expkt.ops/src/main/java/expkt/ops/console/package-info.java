/**
 * The web console's login (the host's generated password), the expkt pages read from
 * {@link expkt.api.runtime.ExpktRuntime}, the protocols' pages ({@link expkt.ops.console.StatusPages}:
 * one page per {@link expkt.api.status.StatusPage} service).
 */
package expkt.ops.console;
