package expkt.itest.dispatch.bundles;

import java.util.Map;
import java.util.function.ObjIntConsumer;

import org.osgi.framework.BundleContext;

import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.Filter;
import expkt.api.packet.FrameView;
import expkt.api.packet.PacketService;
import expkt.api.packet.PacketSocket;

/**
 * The protocol bundle of the callback hot-upgrade test, in the seed's program shape (packed into a
 * bundle by {@code TestBundles}, one jar per version): a {@link PacketSocket} opened in activate with
 * one filter ({@code cbseq}, on the ethertype of its component property {@code expkt.itest.ethertype})
 * and a callback, closed in deactivate. No whiteboard, no state handover: every frame's sequence number
 * goes to the test's recorder, keyed by the version that got it.
 */
public final class SeqCallback {
    public static final String FILTER = "cbseq";

    private PacketService packets;
    private ObjIntConsumer<String> recorder;
    private PacketSocket socket;
    private String version;
    private final ExosSockAddr from = new ExosSockAddr();

    public void setPackets(PacketService packets) {
        this.packets = packets;
    }

    public void setRecorder(ObjIntConsumer<String> recorder) {
        this.recorder = recorder;
    }

    public void activate(BundleContext context, Map<String, Object> properties) throws Exception {
        version = context.getBundle().getVersion().toString();
        int ethertype = (Integer) properties.get("expkt.itest.ethertype");
        socket = packets.open();
        socket.setupFilter(Filter.named(FILTER).ethertype(ethertype).build());
        socket.setBlocking(false);
        socket.setCallback(this::onReadable);
    }

    private void onReadable(PacketSocket s) throws Exception {
        FrameView frame;
        while ((frame = s.receive(from)) != null) {
            recorder.accept(version, frame.getInt(14));
        }
    }

    public void deactivate() {
        socket.close();
    }
}
