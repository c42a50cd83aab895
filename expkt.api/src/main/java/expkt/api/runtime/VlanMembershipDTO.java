package expkt.api.runtime;

import org.osgi.dto.DTO;

/**
 * A port's membership in a VLAN.
 *
 * <p>Threading: a copy owned by its caller.
 */
public class VlanMembershipDTO extends DTO {
    /** VLAN name. */
    public String vlan;
    /** 802.1Q tag. */
    public int tag;
    /** True if frames of this VLAN leave the port tagged, false if untagged. */
    public boolean tagged;
}
