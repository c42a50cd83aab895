package expkt.bench.sink;

import expkt.api.handler.StateHandover;
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
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * The expkt contender of the receive benchmark (mode {@code sink}): one packet socket with the
 * benchmark's filter ({@code ethertype 0x0842, dstmac 00:e0:2b:00:00:00}), and a callback that takes
 * every frame zero-copy ({@link PacketSocket#receive}) and reads its bytes and its address, as a
 * protocol would. It counts frames; nothing else happens per frame and nothing is allocated.
 *
 * <p>Threading: the callback runs on the provider's dispatcher thread and is the only writer of the
 * counters; it publishes them with {@code lazySet} for the status thread. With
 * {@code expkt.bench.seq=true} (the {@code upgrade} and {@code upgrade-provider} workloads) it also feeds
 * every frame's sequence number to a {@link SeqTracker} (under the tracker's monitor, taken once per drain).
 * The tracker goes on across an update of this bundle (the {@code upgrade} workload) as a protocol's state
 * would: saved through {@link StateHandover} in {@code deactivate}, once the socket's callback stopped, and
 * restored by the next revision before its socket opens.
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
    /**
     * Where the activation's time went (System.nanoTime), for the upgrade row's swap split: the
     * constructor entered (SCR got the new revision's class loaded and its references), the socket
     * opened, its filter set up (where a parked socket is adopted).
     */
    private final String startTimes;
    private long checksum;
    /** Non-null in sequence mode: the bundle's one tracker (see {@link SeqHolder}). */
    private final SeqTracker seq;
    /** The keeper's per-bundle state handover (null if the host has none): the tracker's way to the next revision. */
    private final StateHandover handover;
    /** The socket's drop count right after its filter was set up: non-zero when it adopted a parked socket's ring. */
    private final long dropsAtOpen;
    /** In sequence mode: whether this activation took over a previous revision's accounting (1) or started afresh (0). */
    private final int seqRestored;

    /**
     * The tracker lives as long as the bundle's class loader, not one activation: if the sink's
     * component is restarted (by a provider update without the keeper), the next activation goes on
     * with the same sequence accounting instead of counting every number before its first frame as
     * missing. Created on first use (512 KiB), so other modes do not pay for it.
     */
    private static final class SeqHolder {
        static final SeqTracker TRACKER = new SeqTracker();
    }

    @Activate
    public BenchSink(BundleContext context, @Reference PacketService packets,
                     @Reference(service = LoggerFactory.class) Logger log,
                     @Reference(cardinality = ReferenceCardinality.OPTIONAL) StateHandover handover) throws Exception {
        this.log = log;
        this.handover = handover;
        if (!"sink".equals(context.getProperty("expkt.bench.mode"))) {
            socket = null;
            status = null;
            readyAt = 0;
            startTimes = "";
            seq = null;
            dropsAtOpen = 0;
            seqRestored = 0;
            return;
        }
        seq = Boolean.parseBoolean(context.getProperty("expkt.bench.seq")) ? SeqHolder.TRACKER : null;
        // before the socket opens: the previous revision's frames (queued in its parked ring) come first
        long activatedAt = System.nanoTime();
        seqRestored = seq != null && handover != null && seq.restore(handover.restore()) ? 1 : 0;
        socket = packets.open();
        long openedAt = System.nanoTime();
        socket.setupFilter(Filter.named(FILTER_NAME).ethertype(0x0842).dstmac("00:e0:2b:00:00:00").build());
        startTimes = " activated_ns=" + activatedAt + " opened_ns=" + openedAt + " filter_ns=" + System.nanoTime();
        dropsAtOpen = socket.drops();
        // the callback drains the socket until receive returns null: it must not block on an empty ring
        socket.setBlocking(false);
        socket.setCallback(seq != null ? this::onReadableSeq : this::onReadable);
        readyAt = System.nanoTime();
        // the allocation probe (a JMX call) costs ~1 ms of the measured process: only when asked
        boolean alloc = Boolean.parseBoolean(context.getProperty("expkt.bench.alloc"));
        status = new BenchStatus(context.getProperty("expkt.bench.status"), () -> "state=ready frames=" + frames.get()
                + " drops=" + socket.drops() + (alloc ? " alloc=" + BenchStatus.allocatedBytes(dispatcherThread.get()) : "")
                + " drops_at_open=" + dropsAtOpen + startTimes + " ready_ns=" + readyAt
                + (seq != null ? " seq_restored=" + seqRestored + " " + seq.line() : ""));
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

    /**
     * {@link #onReadable} plus each frame's sequence number into the tracker. One clock read per
     * drain: a gap's detection time is the start of the drain that found it.
     */
    private void onReadableSeq(PacketSocket s) throws Exception {
        long n = frames.get();
        long sum = checksum;
        long now = System.nanoTime();
        FrameView frame;
        synchronized (seq) {
            while ((frame = s.receive(from)) != null) {
                sum += frame.getUnsignedByte(5) + frame.length() + from.ifIndex() + from.capturedLength();
                seq.frame(frame.getInt(SeqTracker.SEQ_OFFSET), now);
                frames.lazySet(++n);
            }
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
        long closedAt = System.nanoTime();
        // the callback has stopped (close waits for it): the tracker is complete, hand it to the next revision
        if (seq != null && handover != null) {
            handover.save(seq.state());
        }
        long savedAt = System.nanoTime();
        status.close();
        status.appendGeneration("frames=" + frames.get() + " drops=" + socket.drops() + " drops_at_open=" + dropsAtOpen + startTimes
                + " ready_ns=" + readyAt + " stopped_ns=" + stoppedAt + " closed_ns=" + closedAt + " saved_ns=" + savedAt
                + (seq != null ? " " + seq.line() : ""));
        log.info("benchmark sink stopped after {} frames (checksum {})", frames.get(), checksum);
    }
}
