package expkt.provider.component;

import expkt.provider.command.HandlerTables;
import expkt.api.runtime.ExpktRuntime;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** Gogo command {@code expkt:handlers}, printed from the runtime DTOs: see {@link HandlerTables#handlers}. */
@Component(service = HandlerCommands.class, property = {
        "osgi.command.scope=expkt",
        "osgi.command.function=handlers"})
public final class HandlerCommands {
    private final ExpktRuntime runtime;

    @Activate
    public HandlerCommands(@Reference ExpktRuntime runtime) {
        this.runtime = runtime;
    }

    public String handlers() {
        return HandlerTables.handlers(runtime);
    }
}
