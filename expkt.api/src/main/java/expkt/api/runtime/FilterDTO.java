package expkt.api.runtime;

import org.osgi.dto.DTO;

/**
 * A filter (a row of {@code expkt:acl}, the seed's "show access-list").
 *
 * <p>Threading: a copy owned by its caller.
 */
public class FilterDTO extends DTO {
    /** The data plane does what the filter says (its BPF program and nft rule are installed). */
    public static final String ENFORCED = "enforced";
    /** The filter copies frames up, but its "don't forward" or counting rule is not in place; see {@link #reason}. */
    public static final String NOT_ENFORCED = "NOT ENFORCED";
    /** The filter was installed for a data plane that has changed since; see {@link #reason}. */
    public static final String STALE = "STALE";

    /** Unique name on the host. */
    public String name;
    /** {@link #ENFORCED}, {@link #NOT_ENFORCED} or {@link #STALE}. */
    public String state;
    /** Why it is not enforced or stale; null when enforced. */
    public String reason;
    /** Bundle id of the owner of its socket; -1 outside OSGi. */
    public long ownerBundleId;
    /** The owner as commands show it (symbolic name and version, and bundle id). */
    public String owner;
    /** Id of the socket it is set up on. */
    public long socketId;
    /** The match as {@code expkt:acl} shows it (for example {@code dstmac 01:80:c2:00:00:0e ethertype 0x88cc}). */
    public String match;
    /** Destination MAC matched, or null for any. */
    public String dstmac;
    /** Ethertype matched, or -1 for any. */
    public int ethertype;
    /** -1: the ethertype after any 802.1Q/802.1ad tags; otherwise the byte offset of the 16-bit field matched. */
    public int ethertypeOffset;
    /** {@code expkt.api.packet.FilterAction} name ({@code UP_AND_CONTINUE}, {@code UP_AND_DROP}). */
    public String action;
    /** {@code expkt.api.packet.Direction} name. */
    public String direction;
    /** Name of the VR it is limited to, or null for every VR. */
    public String vr;
    /** True if an nftables rule counts its frames (false without nftables: then packets and bytes are -1). */
    public boolean counted;
    /** Packets its nftables rule counted, or -1 if not {@link #counted}. */
    public long packets;
    /**
     * Bytes of the frames its nftables rule counted, from the Ethernet header on (as {@code expkt:acl}
     * shows them), or -1 if not {@link #counted}.
     */
    public long bytes;
}
