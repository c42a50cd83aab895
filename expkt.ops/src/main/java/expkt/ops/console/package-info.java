/** The web console's login (the host's generated password) and the expkt pages, read from {@link expkt.api.runtime.ExpktRuntime}. */
package expkt.ops.console;
