package expkt.testkit.replay;

import expkt.api.handler.PacketHandler;
import expkt.api.net.SlotPort;
import expkt.api.packet.PacketService;
import expkt.api.packet.Port;
import expkt.api.packet.Vlan;
import expkt.codec.pcap.CaptureFormat;
import expkt.testkit.EmbeddedHandler;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

/**
 * {@code expkt:replay <pcap> <handler> [out.pcap] [slot:port]}: replays a capture into a deployed
 * {@link PacketHandler} (found by its {@code component.name}) through an {@link EmbeddedHandler}
 * and writes what the handler sent to {@code out.pcap} (default: {@code <pcap>.sent.pcap}), one
 * record per frame and egress port. Frames are received on {@code slot:port} (default: the first
 * port). The harness has the host's ports and VLANs when a {@link PacketService} is there, else
 * port 1:1 only; frames the handler sends go nowhere but the output file.
 *
 * <p>Threading: runs on the Gogo session's thread; the handler is called on it for the replay.
 */
@Component(service = ReplayCommand.class, property = {"osgi.command.scope=expkt", "osgi.command.function=replay"})
public final class ReplayCommand {
    private final BundleContext context;
    private final PacketService packets;

    @Activate
    public ReplayCommand(BundleContext context,
                         @Reference(cardinality = ReferenceCardinality.OPTIONAL, policyOption = ReferencePolicyOption.GREEDY)
                         PacketService packets) {
        this.context = context;
        this.packets = packets;
    }

    public String replay(String pcap, String handler) throws Exception {
        return replay(pcap, handler, pcap + ".sent.pcap");
    }

    public String replay(String pcap, String handler, String out) throws Exception {
        return replay(pcap, handler, out, null);
    }

    public String replay(String pcap, String handler, String out, String slotPort) throws Exception {
        ServiceReference<PacketHandler> ref = find(handler);
        PacketHandler h = context.getService(ref);
        if (h == null) {
            throw new IllegalStateException("handler " + handler + " went away");
        }
        try {
            List<Port> ports = packets == null ? List.of() : packets.ports();
            List<Vlan> vlans = packets == null ? List.of() : packets.vlans();
            return run(Path.of(pcap), h, handler, Path.of(out), slotPort == null ? null : SlotPort.parse(slotPort), ports, vlans);
        } finally {
            context.ungetService(ref);
        }
    }

    /** The replay itself, separate from the service lookup. */
    static String run(Path pcap, PacketHandler handler, String name, Path out, SlotPort in, List<Port> ports, List<Vlan> vlans)
            throws Exception {
        EmbeddedHandler.Builder b = EmbeddedHandler.builder();
        if (ports.isEmpty()) {
            b.port(SlotPort.of(1, 1), "p1");
        }
        for (Port p : ports) {
            b.port(p.slotPort(), p.ifName());
        }
        vlans.forEach(b::vlan);
        SlotPort port = in != null ? in : ports.isEmpty() ? SlotPort.of(1, 1) : ports.getFirst().slotPort();
        EmbeddedHandler harness = b.build(handler);
        long frames = harness.replay(pcap, port);
        long records = harness.writeSent(out, CaptureFormat.PCAP);
        return "replayed " + frames + " frame(s) of " + pcap + " into " + name + " on " + port + ": it sent "
                + harness.sent().size() + " frame(s), " + records + " record(s) written to " + out;
    }

    private ServiceReference<PacketHandler> find(String name) throws InvalidSyntaxException {
        Collection<ServiceReference<PacketHandler>> all = context.getServiceReferences(PacketHandler.class, null);
        List<String> names = new ArrayList<>();
        for (ServiceReference<PacketHandler> r : all) {
            Object n = r.getProperty("component.name");
            if (name.equals(n)) {
                return r;
            }
            names.add(String.valueOf(n));
        }
        throw new IllegalArgumentException("no PacketHandler with component.name \"" + name + "\" (handlers: " + new TreeSet<>(names) + ")");
    }
}
