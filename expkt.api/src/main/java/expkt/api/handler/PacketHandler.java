package expkt.api.handler;

import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.FrameView;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A whiteboard packet handler. Register it as a service with the filter in its properties — most
 * simply with the {@link HandlerFilter} component property type:
 *
 * <pre>{@code
 * @Component
 * @HandlerFilter(name = "lldp", dstmac = "01:80:C2:00:00:0E", ethertype = 0x88CC, action = FilterAction.UP_AND_DROP)
 * public class LldpAgent implements PacketHandler {
 *     public void handle(FrameView frame, ExosSockAddr from, PacketSender sender) { ... }
 * }
 * }</pre>
 *
 * <p>Threading: called on the bundle's dispatch lane (a provider thread), one frame at a time per
 * handler; the frame view and address are valid only during the call (copy what must outlive it): a
 * view kept past {@code handle()} throws {@link IllegalStateException} when read. The frame is whole,
 * as on the wire, its outer VLAN tag included (see {@link FrameView}).
 * An exception is logged and counted; the handler keeps being called. When the handler's service
 * goes away (its bundle stops or is updated), the framework waits for the frame being handled:
 * {@code handle} must therefore never wait for the framework itself (a bundle operation, a service
 * that is being unregistered), or an update can deadlock.
 */
@ConsumerType
public interface PacketHandler {
    /** Service property: the filter's name (required, unique across the host). */
    String FILTER_NAME = "expkt.filter.name";
    /** Service property: destination MAC, text form. */
    String FILTER_DSTMAC = "expkt.filter.dstmac";
    /** Service property: ethertype, an Integer (or a String such as "0x0842"). */
    String FILTER_ETHERTYPE = "expkt.filter.ethertype";
    /** Service property: UP_AND_CONTINUE (default) or UP_AND_DROP. */
    String FILTER_ACTION = "expkt.filter.action";
    /** Service property: INGRESS (default), EGRESS or BOTH. */
    String FILTER_DIRECTION = "expkt.filter.direction";
    /** Service property: the VR name to filter on; absent means every VR. */
    String FILTER_VR = "expkt.filter.vr";
    /** Service property: raw ethertype offset; absent means after any VLAN tags. */
    String FILTER_ETHERTYPE_OFFSET = "expkt.filter.ethertype.offset";
    /**
     * Service property: the receive mode as {@link HandlerFilter#rx_mode()} writes it ({@code THROUGHPUT}
     * or {@code LATENCY}, any case); {@link expkt.api.packet.RxMode#PROPERTY} beside it wins.
     *
     * @since 2.0
     */
    String FILTER_RX_MODE = "expkt.filter.rx.mode";
    /**
     * Service property: fanout lanes, an Integer 1..16 (or its String); absent means 1. With N &gt; 1 the
     * provider spreads the filter's frames over N sockets and N dispatch lanes by the frames' flow hash
     * (PACKET_FANOUT in hash mode): one flow's frames (same IP addresses and ports) are handled on one
     * lane, in order; frames of different flows are handled on up to N threads <b>at once</b>, so
     * {@code handle} must then be thread-safe. Frames without an IP header hash by their ethertype alone:
     * they all go to one lane. For a filter whose traffic is more than one thread can take.
     * {@code expkt:handlers} shows the lanes; each lane's replies go out through its own socket.
     */
    String LANES = "expkt.handler.lanes";

    void handle(FrameView frame, ExosSockAddr from, PacketSender sender) throws Exception;
}
