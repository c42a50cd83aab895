package expkt.api.runtime;

import org.osgi.dto.DTO;

import java.util.List;

/**
 * A data-plane port (a row of {@code expkt:ports}).
 *
 * <p>Threading: a copy owned by its caller.
 */
public class PortDTO extends DTO {
    /** Link up and running. */
    public static final String UP = "up";
    /** Administratively down: the kernel refuses sends. */
    public static final String DOWN = "down";
    /** Up without carrier: the kernel takes sends and drops them. */
    public static final String NO_CARRIER = "no-carrier";
    /** Not read from the kernel yet. */
    public static final String UNKNOWN = "unknown";

    /** The EXOS name, {@code slot:port}. */
    public String slotPort;
    /** The kernel interface. */
    public String ifName;
    public int ifIndex;
    /** MAC address, {@code aa:bb:cc:dd:ee:ff}. */
    public String mac;
    /** MTU as the kernel last announced it. */
    public int mtu;
    /** Operational state as the kernel last announced it: {@link #UP}, {@link #DOWN}, {@link #NO_CARRIER}, {@link #UNKNOWN}. */
    public String operState;
    /** Name of the VR the port belongs to. */
    public String vr;
    /** The VLANs it is a member of, in configuration order. */
    public List<VlanMembershipDTO> vlans;
}
