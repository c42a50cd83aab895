package expkt.bench.sink;

import expkt.api.handler.PacketHandler;
import expkt.api.handler.PacketSender;
import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.FrameView;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.concurrent.atomic.AtomicLong;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * The {@code expkt-whiteboard} contender (mode {@code whiteboard}): the same filter and the same work
 * per frame as {@link BenchSink}, but as a whiteboard {@link PacketHandler} the provider calls per
 * frame. Registered by hand (not as a DS service) so that it exists only in this mode.
 *
 * <p>Threading: {@code handle} runs on the provider's dispatcher thread; it publishes its counter
 * with {@code lazySet} for the status thread. The handler API does not expose kernel drops: the
 * status says {@code drops=-1} and the harness reports none.
 */
@Component(immediate = true)
public final class BenchHandler implements PacketHandler {
    private final AtomicLong frames = new AtomicLong();
    private final ServiceRegistration<PacketHandler> registration;
    private final BenchStatus status;
    private final Logger log;
    private long checksum;

    @Activate
    public BenchHandler(BundleContext context, @Reference(service = LoggerFactory.class) Logger log) {
        this.log = log;
        if (!"whiteboard".equals(context.getProperty("expkt.bench.mode"))) {
            registration = null;
            status = null;
            return;
        }
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(PacketHandler.FILTER_NAME, BenchSink.FILTER_NAME);
        props.put(PacketHandler.FILTER_DSTMAC, "00:e0:2b:00:00:00");
        props.put(PacketHandler.FILTER_ETHERTYPE, 0x0842);
        long readyAt = System.nanoTime();
        status = new BenchStatus(context.getProperty("expkt.bench.status"),
                () -> "state=ready frames=" + frames.get() + " drops=-1 ready_ns=" + readyAt);
        registration = context.registerService(PacketHandler.class, this, props);
        log.info("benchmark whiteboard handler registered, filter {}", BenchSink.FILTER_NAME);
    }

    @Override
    public void handle(FrameView frame, ExosSockAddr from, PacketSender sender) {
        checksum += frame.getUnsignedByte(5) + frame.length() + from.ifIndex() + from.capturedLength();
        frames.lazySet(frames.get() + 1);
    }

    @Deactivate
    void deactivate() {
        if (registration != null) {
            registration.unregister();
            status.close();
            log.info("benchmark whiteboard handler stopped after {} frames (checksum {})", frames.get(), checksum);
        }
    }
}
