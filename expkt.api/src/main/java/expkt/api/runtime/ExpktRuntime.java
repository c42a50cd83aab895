package expkt.api.runtime;

import org.osgi.annotation.versioning.ProviderType;

import java.util.List;

/**
 * What the host is doing right now, as DTOs (the expkt counterpart of DS's
 * {@code ServiceComponentRuntime}). Registered by the provider bundle ({@code expkt.provider}) once its
 * data plane is up.
 *
 * <p>Every method returns a new snapshot: the lists and DTOs are copies the caller owns and may change
 * or keep; two calls give two independent snapshots, so counters of one call are not consistent with
 * those of another (take {@link #snapshot()} for one moment of everything). Values that came from
 * outside the host (interface names, bundle names, configuration text, reasons quoting them) are as
 * they are, not escaped: whoever prints them escapes them ({@link expkt.api.operator.Printable}).
 *
 * <p>Threading: safe from any thread, at any rate. A snapshot reads the counters the receive path
 * keeps anyway (volatile single-writer fields) and the kernel's (socket statistics, nftables
 * counters); it takes no lock the receive path takes per frame, never waits for bundle code, and never
 * changes anything. {@link #filters()} and {@link #snapshot()} read the nftables counters through
 * netlink/nft, which takes milliseconds: poll them at a human or scrape rate, not per frame.
 */
@ProviderType
public interface ExpktRuntime {
    /**
     * Everything below, taken together (one read of the nftables counters).
     *
     * @throws java.io.UncheckedIOException if the nftables counters cannot be read (naming why)
     */
    RuntimeDTO snapshot();

    /** The provider bundle revision answering, and the data plane it manages. */
    DataPlaneDTO dataPlane();

    /** Every data-plane port, in the data plane's order. Empty when the host manages no port. */
    List<PortDTO> ports();

    /** Every configured VLAN, in configuration order. */
    List<VlanDTO> vlans();

    /**
     * Every virtual router the VR registry (bundle {@code expkt.vr}) knows, by id; without that
     * bundle, only the data plane's own VR (see {@link VrDTO#registered}).
     */
    List<VrDTO> vrs();

    /**
     * Every filter on the host (the seed's "show access-list"), with its nftables counters.
     *
     * @throws java.io.UncheckedIOException if the nftables counters cannot be read (naming why)
     */
    List<FilterDTO> filters();

    /** Every open L2 socket, by id. */
    List<SocketDTO> sockets();

    /**
     * Every open L3 and raw IP socket of the virtual routers, by owner; empty while the VR registry
     * (bundle {@code expkt.vr}) does not run.
     *
     * @since 1.2
     */
    List<VrSocketDTO> vrSockets();

    /**
     * Every whiteboard handler (active, backed off, parked for an update, stuck, rejected) and every
     * socket callback.
     */
    List<HandlerDTO> handlers();

    /** Every running dispatch lane, by name. */
    List<LaneDTO> lanes();

    /**
     * The data plane's forwarding database (the kernel's bridge entries and the addresses learned from
     * received frames), which VLAN sends forward by. Asks the kernel for a fresh dump of its bridge
     * entries first (waiting at most half a second), so it takes milliseconds: not per frame.
     *
     * @since 1.1
     */
    FdbDTO fdb();
}
