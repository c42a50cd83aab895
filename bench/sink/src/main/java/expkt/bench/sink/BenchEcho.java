package expkt.bench.sink;

import expkt.api.net.SlotPort;
import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.Filter;
import expkt.api.packet.FrameView;
import expkt.api.packet.PacketService;
import expkt.api.packet.PacketSocket;
import expkt.api.packet.Port;
import expkt.api.packet.RxMode;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * The expkt contender of the echo benchmark (mode {@code echo}): every frame that passes the
 * benchmark filter goes back out of the port it came in on, to its sender, from that port's MAC —
 * what bench/c/responder.c does with recvfrom + sendto. Its socket is opened in
 * {@link RxMode#LATENCY}, so the provider wakes it for every request.
 *
 * <p>Threading: the callback runs on the provider's dispatcher thread; the reply buffer and the
 * per-port destination lists are built once, so an answer allocates nothing.
 */
@Component(immediate = true)
public final class BenchEcho {
    private final PacketSocket socket;
    private final BenchStatus status;
    private final ExosSockAddr from = new ExosSockAddr();
    private final ByteBuffer reply = ByteBuffer.allocateDirect(9000);
    private final Map<Integer, List<SlotPort>> outByIfIndex = new HashMap<>();
    private final Map<Integer, byte[]> macByIfIndex = new HashMap<>();
    private final AtomicLong answered = new AtomicLong();
    private final Logger log;

    @Activate
    public BenchEcho(BundleContext context, @Reference PacketService packets,
                     @Reference(service = LoggerFactory.class) Logger log) throws Exception {
        this.log = log;
        if (!"echo".equals(context.getProperty("expkt.bench.mode"))) {
            socket = null;
            status = null;
            return;
        }
        for (Port p : packets.ports()) {
            outByIfIndex.put(p.ifIndex(), List.of(p.slotPort()));
            macByIfIndex.put(p.ifIndex(), p.mac().toBytes());
        }
        // a responder waits for each request: a ring that wakes it per frame, not per retired block
        socket = packets.open(RxMode.LATENCY);
        socket.setupFilter(Filter.named(BenchSink.FILTER_NAME).ethertype(0x0842).dstmac("00:e0:2b:00:00:00").build());
        // the callback drains the socket until receive returns null: it must not block on an empty ring
        socket.setBlocking(false);
        socket.setCallback(this::onReadable);
        status = new BenchStatus(context.getProperty("expkt.bench.status"), () -> "state=ready frames=" + answered.get()
                + " drops=" + socket.drops());
        log.info("benchmark echo responder ready on {} ports", outByIfIndex.size());
    }

    private void onReadable(PacketSocket s) throws Exception {
        FrameView frame;
        long n = answered.get();
        while ((frame = s.receive(from)) != null) {
            List<SlotPort> out = outByIfIndex.get(from.ifIndex());
            byte[] mac = macByIfIndex.get(from.ifIndex());
            if (out == null || frame.length() < 14) {
                continue;
            }
            reply.clear();
            frame.copyTo(reply);
            reply.flip();
            // destination = the request's source; source = our port's MAC
            for (int i = 0; i < 6; i++) {
                reply.put(i, reply.get(6 + i));
                reply.put(6 + i, mac[i]);
            }
            s.sendto(reply, out);
            answered.lazySet(++n);
        }
    }

    @Deactivate
    void deactivate() {
        if (socket != null) {
            socket.close();
            status.close();
            log.info("benchmark echo responder stopped after {} answers", answered.get());
        }
    }
}
