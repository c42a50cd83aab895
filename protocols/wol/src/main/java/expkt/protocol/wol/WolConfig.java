package expkt.protocol.wol;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** ConfigAdmin configuration of the Wake-on-LAN relay, PID {@code expkt.protocol.wol}. */
@ObjectClassDefinition(id = WolRelay.PID, name = "expkt Wake-on-LAN relay", description = "Relays magic packets into VLANs")
public @interface WolConfig {
    @AttributeDefinition(name = "Relay VLANs", description = "VLAN names to relay magic packets into (each a name or a comma-separated list)", required = false)
    String[] relay_vlans() default {};

    @AttributeDefinition(name = "UDP port", description = "UDP destination port of magic packets in IPv4 broadcasts (e.g. 9); 0 = ethertype 0x0842 only", min = "0", max = "65535")
    int udp_port() default 0;
}
