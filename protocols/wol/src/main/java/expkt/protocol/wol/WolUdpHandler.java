package expkt.protocol.wol;

import expkt.api.handler.HandlerFilter;
import expkt.api.handler.PacketHandler;
import expkt.api.handler.PacketSender;
import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.FrameView;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Magic packets in UDP: IPv4 broadcasts (ff:ff:ff:ff:ff:ff + 0x0800, UP_AND_CONTINUE) handed to the
 * relay, which keeps those to the configured UDP port. Disabled until {@link WolRelay} enables it for a
 * configured port: it brings every broadcast IPv4 frame up, so it costs something.
 */
@Component(name = WolRelay.UDP_HANDLER, enabled = false, service = PacketHandler.class)
@HandlerFilter(name = "wol-udp", dstmac = "FF:FF:FF:FF:FF:FF", ethertype = 0x0800)
public final class WolUdpHandler implements PacketHandler {
    private final WolRelay relay;

    @Activate
    public WolUdpHandler(@Reference WolRelay relay) {
        this.relay = relay;
    }

    @Override
    public void handle(FrameView frame, ExosSockAddr from, PacketSender sender) {
        relay.handle(frame, from, sender);
    }
}
