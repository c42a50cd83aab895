package expkt.bench.sink;

import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.Filter;
import expkt.api.packet.FrameView;
import expkt.api.packet.PacketService;
import expkt.api.packet.PacketSocket;
import java.util.concurrent.atomic.AtomicLong;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * The expkt contender of the receive benchmark (mode {@code sink}): one packet socket with the
 * benchmark's filter ({@code ethertype 0x0842, dstmac 00:e0:2b:00:00:00}), and a callback that takes
 * every frame zero-copy ({@link PacketSocket#receive}) and reads its bytes and its address, as a
 * protocol would. It counts frames; nothing else happens per frame and nothing is allocated.
 *
 * <p>Threading: the callback runs on the provider's dispatcher thread and is the only writer of the
 * counters; it publishes them with {@code lazySet} for the status thread.
 */
@Component(immediate = true)
public final class BenchSink {
    static final String FILTER_NAME = "expkt-bench";
    private final PacketSocket socket;
    private final BenchStatus status;
    private final ExosSockAddr from = new ExosSockAddr();
    private final AtomicLong frames = new AtomicLong();
    private final AtomicLong dispatcherThread = new AtomicLong(-1);
    private final Logger log;
    private final long readyAt;
    private long checksum;

    @Activate
    public BenchSink(BundleContext context, @Reference PacketService packets,
                     @Reference(service = LoggerFactory.class) Logger log) throws Exception {
        this.log = log;
        if (!"sink".equals(context.getProperty("expkt.bench.mode"))) {
            socket = null;
            status = null;
            readyAt = 0;
            return;
        }
        socket = packets.open();
        socket.setupFilter(Filter.named(FILTER_NAME).ethertype(0x0842).dstmac("00:e0:2b:00:00:00").build());
        // the callback drains the socket until receive returns null: it must not block on an empty ring
        socket.setBlocking(false);
        socket.setCallback(this::onReadable);
        readyAt = System.nanoTime();
        // the allocation probe (a JMX call) costs ~1 ms of the measured process: only when asked
        boolean alloc = Boolean.parseBoolean(context.getProperty("expkt.bench.alloc"));
        status = new BenchStatus(context.getProperty("expkt.bench.status"), () -> "state=ready frames=" + frames.get()
                + " drops=" + socket.drops() + (alloc ? " alloc=" + BenchStatus.allocatedBytes(dispatcherThread.get()) : "")
                + " ready_ns=" + readyAt);
        log.info("benchmark sink ready on every port, filter {}", FILTER_NAME);
    }

    private void onReadable(PacketSocket s) throws Exception {
        if (dispatcherThread.get() < 0) {
            dispatcherThread.set(Thread.currentThread().threadId());
        }
        long n = frames.get();
        long sum = checksum;
        FrameView frame;
        while ((frame = s.receive(from)) != null) {
            sum += frame.getUnsignedByte(5) + frame.length() + from.ifIndex() + from.capturedLength();
            frames.lazySet(++n);
        }
        checksum = sum;
    }

    @Deactivate
    void deactivate() {
        if (socket == null) {
            return;
        }
        long stoppedAt = System.nanoTime();
        socket.close();
        status.close();
        status.appendGeneration("frames=" + frames.get() + " drops=" + socket.drops() + " ready_ns=" + readyAt
                + " stopped_ns=" + stoppedAt);
        log.info("benchmark sink stopped after {} frames (checksum {})", frames.get(), checksum);
    }
}
