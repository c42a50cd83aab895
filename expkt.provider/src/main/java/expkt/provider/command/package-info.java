/**
 * The provider's Gogo commands ({@code expkt:acl}, {@code expkt:ports}, {@code expkt:vlans},
 * {@code expkt:sockets}, {@code expkt:handlers}): they print the runtime DTOs of
 * {@code expkt.api.runtime.ExpktRuntime} as aligned text tables, so the console, the web console and
 * the tests read one model. The DS components that register them ({@code L2Commands},
 * {@code HandlerCommands}) are in {@code expkt.provider.component}.
 *
 * <p>Threading: the commands run on the Gogo session's thread; the tables are stateless.
 */
package expkt.provider.command;
