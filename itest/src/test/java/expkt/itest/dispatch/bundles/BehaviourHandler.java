package expkt.itest.dispatch.bundles;

import java.util.Map;
import java.util.function.ObjIntConsumer;

import expkt.api.handler.PacketHandler;
import expkt.api.handler.PacketSender;
import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.Filter;
import expkt.api.packet.FrameView;
import expkt.api.packet.PacketService;
import expkt.api.packet.PacketSocket;

/**
 * The protocol bundles of the isolation and release tests (one bundle each, DS XML by
 * {@code TestBundles}): the component property {@code behaviour} says what the handler does per frame:
 * {@code throw} (a bug on every frame), {@code sleep} (2 ms per frame), {@code count} (healthy), and
 * with {@code leak=true} the component also opens a packet socket with a filter and a callback in
 * activate and never closes anything. With {@code via=callback} the component registers no handler
 * but opens a socket with that filter and a callback (set_callback) doing the same. Every frame is reported to the test's recorder with the filter
 * name.
 */
public final class BehaviourHandler implements PacketHandler {
    private ObjIntConsumer<String> recorder;
    private PacketService packets;
    private String behaviour;
    private String name;

    public void setRecorder(ObjIntConsumer<String> recorder) {
        this.recorder = recorder;
    }

    public void setPackets(PacketService packets) {
        this.packets = packets;
    }

    public void activate(Map<String, Object> props) throws Exception {
        behaviour = String.valueOf(props.get("behaviour"));
        name = String.valueOf(props.get(PacketHandler.FILTER_NAME));
        if ("callback".equals(String.valueOf(props.get("via")))) {
            // the seed's way: a socket, a filter and set_callback; the callback reads until -1
            PacketSocket s = packets.open();
            s.setupFilter(Filter.named(name).ethertype(((Number) props.get(PacketHandler.FILTER_ETHERTYPE)).intValue()).build());
            s.setBlocking(false);
            s.setCallback(sock -> {
                ExosSockAddr a = new ExosSockAddr();
                FrameView f;
                while ((f = sock.receive(a)) != null) {
                    handle(f, a, null);
                }
            });
        }
        if ("true".equals(String.valueOf(props.get("leak")))) {
            PacketSocket s = packets.open();
            s.setupFilter(Filter.named(name + "-sock").ethertype(0x88b9).build());
            s.setBlocking(false);
            s.setCallback(sock -> {
                ExosSockAddr a = new ExosSockAddr();
                while (sock.receive(a) != null) {
                    recorder.accept(name + "-sock", 0);
                }
            });
            // and never closed: the provider must clean up when the bundle stops
        }
    }

    public void deactivate() {
        // nothing closed on purpose (see the class comment)
    }

    @Override
    public void handle(FrameView frame, ExosSockAddr from, PacketSender sender) throws Exception {
        recorder.accept(name, frame.getInt(14));
        switch (behaviour) {
            case "throw" -> throw new IllegalStateException("a protocol bug on every frame (" + name + ")");
            case "sleep" -> Thread.sleep(2);
            default -> { }
        }
    }
}
