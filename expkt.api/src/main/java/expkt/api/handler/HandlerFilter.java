package expkt.api.handler;

import org.osgi.service.component.annotations.ComponentPropertyType;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Component property type for a {@link PacketHandler}'s filter: each member becomes the service
 * property {@code expkt.filter.<member>} ({@code ethertype_offset} becomes
 * {@code expkt.filter.ethertype.offset}). Empty strings and -1 mean "not set".
 */
@ComponentPropertyType
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface HandlerFilter {
    String PREFIX_ = "expkt.filter.";

    String name();

    String dstmac() default "";

    int ethertype() default -1;

    String action() default "UP_AND_CONTINUE";

    String direction() default "INGRESS";

    String vr() default "";

    int ethertype_offset() default -1;
}
