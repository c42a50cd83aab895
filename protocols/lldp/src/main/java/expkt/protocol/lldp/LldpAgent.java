package expkt.protocol.lldp;

import expkt.api.handler.HandlerFilter;
import expkt.api.handler.PacketHandler;
import expkt.api.handler.PacketSender;
import expkt.api.handler.StateHandover;
import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.FilterAction;
import expkt.api.packet.FrameView;
import expkt.codec.FrameCopy;
import expkt.api.packet.PacketService;
import expkt.api.packet.PacketSocket;
import expkt.api.operator.ConfigKeys;
import expkt.api.operator.LogThrottle;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.service.component.ComponentConstants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The LLDP agent as a whiteboard {@link PacketHandler}: the provider owns the receive socket (filter
 * {@code lldp}: 01:80:C2:00:00:0E + 0x88CC, UP_AND_DROP, so LLDP is never bridged) and keeps it across an
 * in-place update of this bundle; the agent transmits from a send-only socket of its own
 * {@link PacketService} on a timer thread.
 *
 * <p>Update versus stop: on an in-place update (the bundle stopped transiently, still persistently
 * started, framework running) the agent saves its neighbour table and tx timers with
 * {@link StateHandover} and sends nothing, so neighbours never see it leave; the next version restores
 * both and continues the schedule. On any other stop it sends a shutdown LLDPDU on every port.
 *
 * <p>{@link StateHandover} is optional and greedy: a host without it still runs the agent (it only
 * loses the handover), and one where it registers after the agent restarts the agent once to bind it.
 *
 * <p>Threading: {@link #handle} runs on the provider's dispatcher thread; the tx timer on
 * {@code lldp-tx}; Gogo commands read the thread-safe table.
 */
@Component(service = {PacketHandler.class, LldpAgent.class}, configurationPid = LldpAgent.PID, immediate = true)
@HandlerFilter(name = "lldp", dstmac = "01:80:C2:00:00:0E", ethertype = 0x88CC, action = FilterAction.UP_AND_DROP)
@Designate(ocd = LldpConfig.class)
public final class LldpAgent implements PacketHandler {
    public static final String PID = "expkt.protocol.lldp";
    private static final long TICK_MILLIS = 200;

    private final PacketService packets;
    private final StateHandover handover;
    private final Logger log;
    private final BundleContext context;
    private final LldpAgentCore core;
    private final PacketSocket txSocket;
    private final ScheduledExecutorService timer;
    private final LogThrottle tickErrors = new LogThrottle(10_000_000_000L, "tx timer failures");

    @Activate
    public LldpAgent(@Reference PacketService packets,
                     @Reference(cardinality = ReferenceCardinality.OPTIONAL, policyOption = ReferencePolicyOption.GREEDY)
                     StateHandover handover,
                     @Reference(service = LoggerFactory.class) Logger log,
                     LldpConfig config, Map<String, Object> properties, BundleContext context) throws IOException {
        this.packets = packets;
        this.handover = handover;
        this.log = log;
        this.context = context;
        this.core = new LldpAgentCore(LldpSettings.from(config));
        checkKeys(properties);
        if (handover != null) {
            Map<String, Object> state = handover.restore();
            try {
                core.restoreState(state);
                if (!state.isEmpty()) {
                    log.info("LLDP: took over {} neighbours and the tx timers of {} ports from the previous version",
                            core.table().size(), core.scheduler().ports().size());
                }
            } catch (IllegalArgumentException e) {
                log.warn("LLDP: the previous version's state is unusable, starting afresh: {}", e.getMessage());
            }
        }
        this.txSocket = packets.open();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "lldp-tx");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::tick, 0, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Modified
    void modified(LldpConfig config, Map<String, Object> properties) {
        core.reconfigure(LldpSettings.from(config), System.currentTimeMillis());
        checkKeys(properties);
        log.info("LLDP: configuration changed: tx interval {} s, ttl {} s", core.settings().txIntervalSeconds(), core.settings().ttl());
    }

    /** Keys DS would ignore without a word (a misspelling, or tx_interval for tx.interval): warned and shown in lldp:stats. */
    private void checkKeys(Map<String, Object> properties) {
        List<String> unknown = ConfigKeys.unknown(LldpConfig.class, properties);
        core.unknownKeys(unknown);
        if (!unknown.isEmpty()) {
            log.warn("LLDP: configuration {} has keys the agent does not know, ignored: {}; known keys: {}", PID, unknown,
                    ConfigKeys.of(LldpConfig.class));
        }
    }

    private void tick() {
        try {
            core.tick(packets.ports(), System.currentTimeMillis(), (frame, port) -> txSocket.sendto(frame, List.of(port)));
        } catch (RuntimeException e) {
            long skipped = tickErrors.admit(System.nanoTime()); // every 200 ms while it persists: one line per 10 s
            if (skipped >= 0) {
                log.error("LLDP: tx timer failed{}", tickErrors.suffix(skipped), e);
            }
        }
    }

    @Override
    public void handle(FrameView frame, ExosSockAddr from, PacketSender sender) {
        // the view reads only its frame (no ring behind it): the parser works on a copy, reused per frame
        core.receive(frameCopy.copy(frame), 0, frame.length(), from.slot() + ":" + from.port(), System.currentTimeMillis());
    }

    /** Where {@link #handle} copies a frame for the parser (one frame at a time: this handler has one lane). */
    private final FrameCopy frameCopy = new FrameCopy();

    @Deactivate
    void deactivate(int reason) {
        timer.shutdownNow();
        try {
            timer.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        boolean update = reason == ComponentConstants.DEACTIVATION_REASON_BUNDLE_STOPPED && transientStop();
        if (handover != null) {
            handover.save(core.saveState());
        }
        if (!update) {
            List<expkt.api.packet.Port> ports = packets.ports();
            int sent = core.shutdown(ports, (frame, port) -> txSocket.sendto(frame, List.of(port)));
            if (sent == ports.size()) {
                log.info("LLDP: stopped; sent shutdown LLDPDUs on {} ports", sent);
            } else {
                // neighbours on the other ports keep us until their TTL runs out; the send errors say why
                log.warn("LLDP: stopped; sent shutdown LLDPDUs on {} of {} ports (send errors so far: {})", sent, ports.size(),
                        core.stats().sendErrors());
            }
        } else {
            log.info("LLDP: stopping for an update; {} neighbours handed over", core.table().size());
        }
        txSocket.close();
    }

    /**
     * True when the bundle stops only for the moment (an update or refresh): it is still
     * persistently started and the framework itself is not stopping.
     */
    private boolean transientStop() {
        try {
            Bundle self = context.getBundle();
            Bundle system = context.getBundle(0);
            boolean persistentlyStarted = self.adapt(BundleStartLevel.class).isPersistentlyStarted();
            return persistentlyStarted && system.getState() == Bundle.ACTIVE;
        } catch (IllegalStateException | NullPointerException e) {
            return false;
        }
    }

    public LldpAgentCore core() {
        return core;
    }
}
