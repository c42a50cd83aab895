package expkt.api.runtime;

import org.osgi.dto.DTO;

import java.util.List;

/**
 * The data plane's forwarding database (what {@code expkt:fdb} shows): where each known unicast MAC
 * is, which {@code sendto(frame, vlanName)} uses to forward a frame out of one port instead of
 * flooding it to the VLAN's members.
 *
 * <p>Threading: a copy owned by its caller.
 */
public class FdbDTO extends DTO {
    /**
     * True if the kernel's bridge forwarding database is followed (rtnetlink); its entries are
     * {@code source = "kernel"}. A data plane without a bridge has none of them, and only learns.
     */
    public boolean followsKernel;
    /** Why the kernel's bridge FDB is not followed, or null. */
    public String kernelError;
    /** How long a learned entry lives after its address was last seen, in milliseconds. */
    public long agingMillis;
    /** Entries each table (kernel, learned) holds at most. */
    public int capacity;
    /** Addresses learned from received frames so far (new ones, or again after aging out). */
    public long learned;
    /** Addresses that could not be entered because their part of a table was full (they are flooded to). */
    public long tableFull;
    /** VLAN sends that went out of the one port of a known destination. */
    public long forwardedSends;
    /** VLAN sends that were flooded to every member (broadcast, multicast, unknown unicast). */
    public long floodedSends;
    /** The entries, kernel ones first, each sorted by VLAN tag and MAC. */
    public List<FdbEntryDTO> entries;
}
