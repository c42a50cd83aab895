/**
 * The web console's login (the host's generated password), the expkt pages read from
 * {@link expkt.api.runtime.ExpktRuntime}, the protocols' pages ({@link expkt.ops.console.StatusPages}:
 * one page per {@link expkt.api.status.StatusPage} service) and the filter that lets the console's
 * Install/Update dialog work from a browser ({@link expkt.ops.console.EmptyUploadPartsFilter}).
 */
package expkt.ops.console;
