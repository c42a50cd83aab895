package expkt.protocol.ping;

import expkt.api.vr.VrSockets;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import java.io.IOException;
import java.util.List;

/**
 * Gogo: {@code ping:ping [-v VR] host [count] [size] [interval]} — the reply lines and the iputils
 * summary. Without {@code -v} the bundle's VR affinity is used.
 */
@Component(service = PingCommand.class, property = {
    "osgi.command.scope=ping",
    "osgi.command.function=ping"})
public final class PingCommand {
    private final Pinger pinger;

    @Activate
    public PingCommand(@Reference VrSockets sockets) {
        this.pinger = new Pinger(sockets);
    }

    /** The same run as a list of lines (for programs and tests; not a Gogo function). */
    public List<String> run(String... args) throws IOException {
        List<String> lines = new java.util.ArrayList<>();
        pinger.ping(PingRequest.parse(List.of(args)), lines::add);
        return lines;
    }

    /**
     * Gogo passes the words after {@code ping:ping}; Gogo prints the returned lines (the session's
     * output is not this thread's System.out in every shell, e.g. a scripted run).
     */
    public String ping(String... args) throws IOException {
        return String.join(System.lineSeparator(), run(args));
    }
}
