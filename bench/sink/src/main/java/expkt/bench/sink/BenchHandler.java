package expkt.bench.sink;

import expkt.api.handler.PacketHandler;
import expkt.api.handler.PacketSender;
import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.FrameView;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
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
 * <p>Mode {@code fanout} (the fanout workload): the filter takes IPv4 frames to the same address, the
 * handler is registered with {@code expkt.handler.lanes} = {@code expkt.bench.lanes} and spends
 * {@code expkt.bench.work.ns} of busy work per frame (a receiver slower than the offered rate).
 *
 * <p>Threading: {@code handle} runs on the provider's dispatcher thread; it publishes its counter
 * with {@code lazySet} for the status thread. The handler API does not expose kernel drops: the
 * status says {@code drops=-1} and the harness reports none.
 */
// service = {}: it registers itself, with its filter properties, only in the modes that use it; without
// this, DS also registered it as a PacketHandler with no filter and the whiteboard logged an ERROR at
// every bench start
@Component(immediate = true, service = {})
public final class BenchHandler implements PacketHandler {
    private final AtomicLong frames = new AtomicLong();
    /** Mode fanout: frames counted by several lanes at once. */
    private final LongAdder fanoutFrames = new LongAdder();
    private final boolean fanout;
    /** Mode fanout: the busy work per frame that makes this receiver slower than the offered rate (ns). */
    private final long workNanos;
    private final ServiceRegistration<PacketHandler> registration;
    private final BenchStatus status;
    private final Logger log;
    private long checksum;

    @Activate
    public BenchHandler(BundleContext context, @Reference(service = LoggerFactory.class) Logger log) {
        this.log = log;
        String mode = context.getProperty("expkt.bench.mode");
        fanout = "fanout".equals(mode);
        if (!"whiteboard".equals(mode) && !fanout) {
            registration = null;
            status = null;
            workNanos = 0;
            return;
        }
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(PacketHandler.FILTER_NAME, BenchSink.FILTER_NAME);
        props.put(PacketHandler.FILTER_DSTMAC, "00:e0:2b:00:00:00");
        if (fanout) {
            // the fanout workload: IPv4/UDP frames of many flows (a fanout hash group spreads flows, not frames),
            // a slow handler, on expkt.bench.lanes lanes
            props.put(PacketHandler.FILTER_ETHERTYPE, 0x0800);
            props.put(PacketHandler.LANES, Integer.parseInt(context.getProperty("expkt.bench.lanes")));
            workNanos = Long.parseLong(context.getProperty("expkt.bench.work.ns"));
        } else {
            props.put(PacketHandler.FILTER_ETHERTYPE, 0x0842);
            workNanos = 0;
        }
        long readyAt = System.nanoTime();
        status = new BenchStatus(context.getProperty("expkt.bench.status"),
                () -> "state=ready frames=" + (fanout ? fanoutFrames.sum() : frames.get()) + " drops=-1 ready_ns=" + readyAt);
        registration = context.registerService(PacketHandler.class, this, props);
        log.info("benchmark whiteboard handler registered, filter {}", BenchSink.FILTER_NAME);
    }

    @Override
    public void handle(FrameView frame, ExosSockAddr from, PacketSender sender) {
        if (fanout) {
            // a slow receiver: busy for workNanos per frame (called on several lanes at once: no shared plain field)
            long until = System.nanoTime() + workNanos;
            while (System.nanoTime() - until < 0) {
                Thread.onSpinWait();
            }
            fanoutFrames.increment();
            return;
        }
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
