package expkt.api.runtime;

import org.osgi.dto.DTO;

import java.util.List;

/**
 * A configured VLAN (a row of {@code expkt:vlans}).
 *
 * <p>Threading: a copy owned by its caller.
 */
public class VlanDTO extends DTO {
    public String name;
    /** 802.1Q tag. */
    public int tag;
    /** Tagged member ports, {@code slot:port}, sorted. */
    public List<String> tagged;
    /** Untagged member ports, {@code slot:port}, sorted. */
    public List<String> untagged;
}
