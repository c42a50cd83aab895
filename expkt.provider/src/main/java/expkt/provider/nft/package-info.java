/**
 * The provider's nftables table ({@code table netdev expkt}), where every frame crossing a port is
 * classified once for all sockets: {@link expkt.provider.nft.NftRules} makes each socket change one
 * transaction (prefilter base chains only where a filter applies, punt chains that {@code dup} a
 * marked frame to the port's punt link, filter chains with a counter per filter) through libnftables,
 * and reads nft's JSON listings back with {@link expkt.provider.nft.Json} (a reader and quoter, no more).
 *
 * <p>Threading: {@code NftRules} runs on the data-plane namespace's thread (its libnftables context
 * lives there); the table is the data plane's, so one host per data plane ({@code dataplane.DataPlaneLock}).
 */
package expkt.provider.nft;
