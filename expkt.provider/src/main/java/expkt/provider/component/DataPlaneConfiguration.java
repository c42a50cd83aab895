package expkt.provider.component;

import expkt.provider.dataplane.DataPlaneSettings;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * ConfigAdmin PID {@code expkt.dataplane}: the data plane's ports and VLANs, and the receive ring
 * geometry. This type is the Metatype description (what a configuration tool shows); the provider
 * reads and checks the raw properties with {@link DataPlaneSettings}, whose constants the bounds
 * and defaults below are, so the two cannot disagree.
 */
@ObjectClassDefinition(id = DataPlaneConfiguration.PID, name = "expkt data plane",
        description = "Ports (slot:port to interface of the data-plane namespace) and VLANs of the L2 packet provider. "
                + "Changes apply live. A configuration is checked as a whole: an unknown key, a value of the wrong type "
                + "or out of bounds, or a bad entry refuses all of it (logged and shown by expkt:ports, naming what is "
                + "wrong) and the previous configuration stays in force.")
public @interface DataPlaneConfiguration {
    String PID = "expkt.dataplane";

    @AttributeDefinition(name = "Ports", required = false,
            description = "slot:port=interface entries, e.g. 1:1=p1 (standalone: 3=p3 is 1:3). Empty: in a data-plane namespace "
                    + "(expkt.dataplane.netns) every non-loopback, non-bridge interface in ifindex order is 1:1..1:N; in the host's "
                    + "own namespace no interface is a port (ports are opt-in).")
    String[] ports() default {};

    @AttributeDefinition(name = "VLANs", required = false,
            description = "One VLAN per entry: name=foo tag=100 tagged=1:1,1:2 untagged=1:3 (tag: decimal 1..4094 "
                    + "without leading zeros)")
    String[] vlans() default {};

    @AttributeDefinition(name = "Ring block size", min = "" + DataPlaneSettings.RING_BLOCK_SIZE_MIN,
            max = "" + DataPlaneSettings.RING_BLOCK_SIZE_MAX,
            description = "Bytes per receive ring block: a power of two from " + DataPlaneSettings.RING_BLOCK_SIZE_MIN
                    + " to " + DataPlaneSettings.RING_BLOCK_SIZE_MAX + " (4 MiB); block size x block count at most "
                    + DataPlaneSettings.RING_BYTES_MAX + " bytes (64 MiB) per socket")
    int ring_block_size() default DataPlaneSettings.DEFAULT_RING_BLOCK_SIZE;

    @AttributeDefinition(name = "Ring blocks", min = "" + DataPlaneSettings.RING_BLOCK_COUNT_MIN,
            max = "" + DataPlaneSettings.RING_BLOCK_COUNT_MAX,
            description = "Blocks per socket receive ring, " + DataPlaneSettings.RING_BLOCK_COUNT_MIN + ".."
                    + DataPlaneSettings.RING_BLOCK_COUNT_MAX + " (at low rates a block may hold one frame: this is how many "
                    + "frames an idle reader can leave queued)")
    int ring_block_count() default DataPlaneSettings.DEFAULT_RING_BLOCK_COUNT;

    @AttributeDefinition(name = "Ring retire timeout", min = "" + DataPlaneSettings.RING_RETIRE_MS_MIN,
            max = "" + DataPlaneSettings.RING_RETIRE_MS_MAX,
            description = "Milliseconds, " + DataPlaneSettings.RING_RETIRE_MS_MIN + ".." + DataPlaneSettings.RING_RETIRE_MS_MAX
                    + ", after which a partly filled block is handed to the reader (receive latency bound). The frame "
                    + "size is not a setting: 2048 in a throughput ring, the largest port MTU plus headers (a power of "
                    + "two up to the block size) in a latency ring.")
    int ring_retire_ms() default DataPlaneSettings.DEFAULT_RING_RETIRE_MS;
}
