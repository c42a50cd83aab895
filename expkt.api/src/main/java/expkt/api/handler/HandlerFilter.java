package expkt.api.handler;

import expkt.api.packet.Direction;
import expkt.api.packet.FilterAction;
import expkt.api.packet.RxMode;
import org.osgi.service.component.annotations.ComponentPropertyType;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Component property type for a {@link PacketHandler}'s filter: each member becomes the service
 * property {@code expkt.filter.<member>} ({@code ethertype_offset} becomes
 * {@code expkt.filter.ethertype.offset}, {@code rx_mode} {@code expkt.filter.rx.mode}). Empty strings
 * and -1 mean "not set". The provider reads the properties with {@link expkt.api.packet.Filter}'s
 * key=value parser, so a bad value is refused with the same message as anywhere else a filter is
 * written as text.
 *
 * <pre>{@code
 * @HandlerFilter(name = "lldp", dstmac = "01:80:C2:00:00:0E", ethertype = 0x88CC,
 *         action = FilterAction.UP_AND_DROP, rx_mode = RxMode.LATENCY)
 * }</pre>
 *
 * <p>Since 2.0 the action, direction and receive mode are enums (they were strings: a typo compiled
 * and failed only when the handler was registered).
 */
@ComponentPropertyType
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface HandlerFilter {
    String PREFIX_ = "expkt.filter.";

    String name();

    String dstmac() default "";

    int ethertype() default -1;

    FilterAction action() default FilterAction.UP_AND_CONTINUE;

    Direction direction() default Direction.INGRESS;

    String vr() default "";

    int ethertype_offset() default -1;

    /**
     * The handler's receive mode, as the service property {@value PacketHandler#FILTER_RX_MODE}. A
     * service property {@value RxMode#PROPERTY} given beside it wins (it is how a handler without this
     * annotation says the mode).
     *
     * @since 2.0
     */
    RxMode rx_mode() default RxMode.THROUGHPUT;
}
