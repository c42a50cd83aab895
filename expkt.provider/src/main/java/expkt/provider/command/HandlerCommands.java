package expkt.provider.command;

import expkt.provider.osgi.L2Provider;
import expkt.provider.whiteboard.HandlerWhiteboard;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** Gogo command {@code expkt:handlers}: see {@link HandlerTables#handlers}. */
@Component(service = HandlerCommands.class, property = {
        "osgi.command.scope=expkt",
        "osgi.command.function=handlers"})
public final class HandlerCommands {
    private final L2Provider provider;
    private final HandlerWhiteboard whiteboard;

    @Activate
    public HandlerCommands(@Reference L2Provider provider, @Reference HandlerWhiteboard whiteboard) {
        this.provider = provider;
        this.whiteboard = whiteboard;
    }

    public String handlers() {
        return HandlerTables.handlers(whiteboard.runtime(), provider.engine());
    }
}
