package expkt.api.spi;

import expkt.api.packet.Filter;
import expkt.api.packet.Port;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The kernel part of the provider's data plane that an engine revision stopping for an update leaves in
 * place for the next one ({@link EngineHandover}): the punt namespace (an open fd and its inode), the
 * punt links of the data plane's own ports, and the nftables table with what the engine knew of it.
 * Plain values only (java.* and {@code expkt.api} types): the old revision's class loader must be
 * collectable while this is parked, and the next revision's classes are other classes.
 *
 * <p>Whoever holds it owns the kernel objects: the next revision adopts them (or, when they turn out to
 * be stale, discards them and builds anew), the keeper discards them when no revision took them within
 * the grace period ({@link EngineHandover}).
 *
 * @param parkedBy        the revision that parked it (for the log and {@code expkt:keeper})
 * @param dataPlaneNetns  the data plane's namespace as the host names it ({@code ip netns} name or path;
 *                        empty: the host's own), where the nft table and the links' near ends are
 * @param dataPlaneInode  that namespace's inode (a different namespace now: stale)
 * @param puntNsFd        the open fd holding the punt namespace (it dies when the fd is closed)
 * @param puntNsInode     the punt namespace's inode (the fd closed or reused meanwhile: stale)
 * @param links           the punt links of the data plane's own ports
 * @param nftFamily       the nftables table's family ({@code netdev})
 * @param nftTable        the nftables table's name ({@code expkt})
 * @param nftChains       the chains the engine made in it
 * @param nftMaps         its named verdict maps with their elements (ethertype → the chain an element goes to)
 * @param nftHookRules    the rules of each base chain as the engine sent them
 * @param nftFilters      the filters whose rules are in the table, with the ports they apply to, in order
 */
public record ParkedDataPlane(String parkedBy, String dataPlaneNetns, long dataPlaneInode, int puntNsFd, long puntNsInode,
                              List<PuntLink> links, String nftFamily, String nftTable, List<String> nftChains,
                              Map<String, Map<Integer, String>> nftMaps, Map<String, List<String>> nftHookRules,
                              List<ParkedFilter> nftFilters) {

    public ParkedDataPlane {
        Objects.requireNonNull(parkedBy, "parkedBy");
        dataPlaneNetns = dataPlaneNetns == null ? "" : dataPlaneNetns;
        links = List.copyOf(links);
        nftChains = List.copyOf(nftChains);
        nftMaps = Map.copyOf(nftMaps);
        nftHookRules = Map.copyOf(nftHookRules);
        nftFilters = List.copyOf(nftFilters);
    }

    /**
     * One port's punt link pair: the near ends in the data plane ({@code expktci<if>}, {@code expktc<if>}),
     * the far ends' ifindexes in the punt namespace.
     */
    public record PuntLink(int portKey, String ingressDevice, String egressDevice, int ingressPeer, int egressPeer) {
    }

    /** A filter whose rules are in the table, and the ports they apply to. */
    public record ParkedFilter(Filter filter, List<Port> ports) {
        public ParkedFilter {
            Objects.requireNonNull(filter, "filter");
            ports = List.copyOf(ports);
        }
    }

    @Override
    public String toString() {
        return "data plane of " + parkedBy + ": punt namespace fd " + puntNsFd + ", " + links.size() + " punt link pair(s), table "
                + nftFamily + " " + nftTable + " with " + nftChains.size() + " chain(s) and " + nftFilters.size() + " filter(s)";
    }
}
