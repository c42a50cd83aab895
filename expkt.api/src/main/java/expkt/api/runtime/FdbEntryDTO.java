package expkt.api.runtime;

import org.osgi.dto.DTO;

import java.util.List;

/**
 * One entry of the forwarding database (a row of {@code expkt:fdb}).
 *
 * <p>Threading: a copy owned by its caller.
 */
public class FdbEntryDTO extends DTO {
    /** The MAC address, {@code 02:00:00:00:00:01}. */
    public String mac;
    /**
     * The VLAN tag the address was seen with; -1 if none: an untagged frame (the entry counts for the
     * VLAN its port is an untagged member of), or a kernel entry of a bridge that does not filter VLANs
     * (it counts for every VLAN its port is a member of).
     */
    public int tag;
    /** The configured VLANs a send to this address forwards in (by name, sorted); empty if none. */
    public List<String> vlans;
    /** The port, {@code slot:port}; null if the interface is not a data-plane port. */
    public String port;
    /** The interface the address was seen on, and its ifindex. */
    public String ifName;
    public int ifIndex;
    /** {@code "kernel"} (the bridge's FDB) or {@code "learned"} (from frames the provider received). */
    public String source;
    /** Since the address was last seen, milliseconds. */
    public long ageMillis;
}
