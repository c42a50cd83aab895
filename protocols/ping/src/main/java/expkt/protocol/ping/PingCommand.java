package expkt.protocol.ping;

import expkt.api.vr.VrSockets;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;

/**
 * Gogo: {@code ping:ping [-v VR] host [count] [size] [interval]} — prints each reply as it comes, then
 * the iputils summary. Without {@code -v} the bundle's VR affinity is used.
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

    /** The same run, its lines returned instead of printed (for programs and tests; not a Gogo function). */
    public List<String> run(String... args) throws IOException {
        List<String> lines = new java.util.ArrayList<>();
        pinger.ping(PingRequest.parse(List.of(args)), lines::add);
        return lines;
    }

    /** Gogo passes the words after {@code ping:ping}; lines go to the session's output as they come. */
    public void ping(String... args) throws IOException {
        PingRequest request = PingRequest.parse(List.of(args));
        PrintStream out = System.out; // Gogo binds System.out to the calling session
        pinger.ping(request, line -> {
            out.println(line);
            out.flush();
        });
    }
}
