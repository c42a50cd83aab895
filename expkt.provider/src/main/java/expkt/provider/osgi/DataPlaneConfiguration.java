package expkt.provider.osgi;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** ConfigAdmin PID {@code expkt.dataplane}: the data plane's ports and VLANs, and the receive ring geometry. */
@ObjectClassDefinition(id = DataPlaneConfiguration.PID, name = "expkt data plane",
        description = "Ports (slot:port to interface of the data-plane namespace) and VLANs of the L2 packet provider. "
                + "Changes apply live; a bad configuration is rejected (logged, naming the entry) and the previous one stays.")
public @interface DataPlaneConfiguration {
    String PID = "expkt.dataplane";

    @AttributeDefinition(name = "Ports", required = false,
            description = "slot:port=interface entries, e.g. 1:1=p1 (standalone: 3=p3 is 1:3). Empty: in a data-plane namespace "
                    + "(expkt.dataplane.netns) every non-loopback, non-bridge interface in ifindex order is 1:1..1:N; in the host's "
                    + "own namespace no interface is a port (ports are opt-in).")
    String[] ports() default {};

    @AttributeDefinition(name = "VLANs", required = false,
            description = "One VLAN per entry: name=foo tag=100 tagged=1:1,1:2 untagged=1:3")
    String[] vlans() default {};

    @AttributeDefinition(name = "Ring block size", description = "Bytes per TPACKET_V3 block (a power of two, >= 4096)")
    int ring_block_size() default 16384;

    @AttributeDefinition(name = "Ring blocks", description = "Blocks per socket receive ring (at low rates a block may hold one frame: this is how many frames an idle reader can leave queued)")
    int ring_block_count() default 256;

    @AttributeDefinition(name = "Ring retire timeout", description = "Milliseconds after which a partly filled block is handed to the reader (receive latency bound)")
    int ring_retire_ms() default 2;
}
