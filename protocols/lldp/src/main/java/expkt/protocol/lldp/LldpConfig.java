package expkt.protocol.lldp;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** ConfigAdmin configuration of the LLDP agent, PID {@code expkt.protocol.lldp}. */
@ObjectClassDefinition(id = LldpAgent.PID, name = "expkt LLDP agent", description = "IEEE 802.1AB LLDP on every data plane port")
public @interface LldpConfig {
    @AttributeDefinition(name = "Tx interval", description = "Seconds between LLDPDUs on a port (msgTxInterval), 1..3600", min = "1", max = "3600")
    int tx_interval() default 30;

    @AttributeDefinition(name = "TTL multiplier", description = "The advertised TTL is interval x multiplier + 1 (msgTxHold), 1..100", min = "1", max = "100")
    int tx_hold() default 4;

    @AttributeDefinition(name = "Fast start", description = "LLDPDUs one second apart on a new port (txFastInit), 0..8", min = "0", max = "8")
    int fast_tx_count() default 4;

    @AttributeDefinition(name = "System name", description = "Empty: the kernel host name", required = false)
    String system_name() default "";

    @AttributeDefinition(name = "System description", description = "Empty: expkt switch and the Linux version", required = false)
    String system_description() default "";

    @AttributeDefinition(name = "Management address", description = "IPv4 address to advertise, or empty", required = false)
    String management_address() default "";

    @AttributeDefinition(name = "Chassis ID", description = "MAC address to use as chassis ID; empty: the lowest port MAC", required = false)
    String chassis_id() default "";

    @AttributeDefinition(name = "Neighbour table size", min = "1", max = "100000")
    int max_neighbors() default 1024;
}
