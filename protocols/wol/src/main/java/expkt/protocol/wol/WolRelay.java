package expkt.protocol.wol;

import expkt.api.handler.HandlerFilter;
import expkt.api.handler.PacketHandler;
import expkt.api.handler.PacketSender;
import expkt.api.net.MacAddress;
import expkt.api.operator.ConfigKeys;
import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.FrameView;
import expkt.codec.FrameCopy;
import expkt.api.packet.PacketService;
import expkt.api.packet.PacketSocket;
import expkt.api.packet.Port;
import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * The Wake-on-LAN relay as a whiteboard {@link PacketHandler} on the seed's filter
 * ({@code ethertype=0x0842}, UP_AND_CONTINUE: the data plane still floods the frame in its own VLAN).
 * When a UDP port is configured it also enables {@link WolUdpHandler} (IPv4 broadcasts). Every magic
 * packet is validated, its target logged (at most one line per 10 s: {@link WakeLog}), and relayed with
 * the handler's {@link PacketSender} into the configured VLANs.
 *
 * <p>Threading: {@link #handle} runs on the provider's dispatcher thread; {@link #wake} on the Gogo
 * session's thread.
 */
@Component(service = {PacketHandler.class, WolRelay.class}, configurationPid = WolRelay.PID, immediate = true)
@HandlerFilter(name = "wol", ethertype = 0x0842)
@Designate(ocd = WolConfig.class)
public final class WolRelay implements PacketHandler {
    public static final String PID = "expkt.protocol.wol";
    static final String UDP_HANDLER = "expkt.protocol.wol.WolUdpHandler";

    private final PacketService packets;
    private final Logger log;
    private final ComponentContext context;
    private final WolRelayCore core;
    private final WakeLog wakeLog;
    private PacketSocket wakeSocket;

    @Activate
    public WolRelay(@Reference PacketService packets, @Reference(service = LoggerFactory.class) Logger log,
                    WolConfig config, Map<String, Object> properties, ComponentContext context) {
        this.packets = packets;
        this.log = log;
        this.context = context;
        this.core = new WolRelayCore(WolSettings.from(config));
        this.wakeLog = new WakeLog(log::info, log::warn, System::nanoTime);
        checkKeys(properties);
        udpHandler();
    }

    @Modified
    void modified(WolConfig config, Map<String, Object> properties) {
        core.reconfigure(WolSettings.from(config));
        checkKeys(properties);
        udpHandler();
        log.info("Wake-on-LAN relay: relay VLANs {}, UDP port {}", core.settings().relayVlans(), core.settings().udpPort());
    }

    /** Keys DS would ignore without a word (relay_vlans for relay.vlans...): warned and shown in wol:stats. */
    private void checkKeys(Map<String, Object> properties) {
        List<String> unknown = ConfigKeys.unknown(WolConfig.class, properties);
        core.unknownKeys(unknown);
        if (!unknown.isEmpty()) {
            log.warn("Wake-on-LAN relay: configuration {} has keys the relay does not know, ignored: {}; known keys: {}", PID,
                    unknown, ConfigKeys.of(WolConfig.class));
        }
    }

    private void udpHandler() {
        if (core.settings().udpPort() > 0) {
            context.enableComponent(UDP_HANDLER);
        } else {
            context.disableComponent(UDP_HANDLER);
        }
    }

    @Override
    public void handle(FrameView frame, ExosSockAddr from, PacketSender sender) {
        MagicPacketInspector.Kind kind;
        // the view reads only its frame (no ring behind it): the inspector works on a copy, reused per frame;
        // the 0x0842 handler and WolUdpHandler call this on their own lanes, so the copy is taken under its lock
        synchronized (frameCopy) {
            kind = core.onFrame(frameCopy.copy(frame), 0, frame.length(), from.slotPort(),
                    from.vlanId(), packets.vlans(), sender::sendto);
        }
        wakeLog.onFrame(kind, core);
    }

    /** Where {@link #handle} copies a frame for the inspector (under its own lock: two handlers call handle). */
    private final FrameCopy frameCopy = new FrameCopy();

    /** {@code wol:wake}: one magic packet for {@code target} into {@code vlan}. */
    public synchronized void wake(MacAddress target, String vlan) throws IOException {
        if (wakeSocket == null) {
            wakeSocket = packets.open();
        }
        MacAddress source = packets.ports().stream().map(Port::mac)
                .min((a, b) -> Long.compareUnsigned(a.toLong(), b.toLong()))
                .orElseThrow(() -> new IllegalStateException("the data plane has no ports to send a magic packet from"));
        core.wake(target, vlan, source, packets.vlans(), wakeSocket::sendto);
        log.info("Wake-on-LAN: sent a magic packet for {} into VLAN {}", target, vlan);
    }

    public WolRelayCore core() {
        return core;
    }

    @Deactivate
    synchronized void deactivate() {
        if (wakeSocket != null) {
            wakeSocket.close();
        }
    }
}
