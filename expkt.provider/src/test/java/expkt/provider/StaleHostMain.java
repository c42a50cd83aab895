package expkt.provider;

import expkt.api.packet.Direction;
import expkt.api.packet.Filter;
import expkt.api.packet.FilterAction;
import expkt.api.spi.BundleIdentity;
import expkt.provider.core.ProviderLog;
import expkt.provider.core.VrScope;
import expkt.provider.dataplane.DataPlane;
import expkt.provider.socket.L2Engine;
import expkt.provider.socket.PacketSocketImpl;

/**
 * A host process for {@link KernelStateTest} to SIGKILL: the provider's core on the data-plane
 * namespace {@code args[0]} with an UP_AND_DROP INGRESS filter (nft drop rules) and an UP_AND_DROP
 * EGRESS filter (capture links), then "READY" on stdout. It ends (without cleaning up, as a crash
 * would) when its standard input closes, so a test JVM that dies takes it along.
 */
public final class StaleHostMain {
    private StaleHostMain() {
    }

    public static void main(String[] args) throws Exception {
        try {
            DataPlane dp = new DataPlane(args[0], "VR-Default", 2);
            L2Engine engine = new L2Engine(dp, VrScope.single("VR-Default", 2), L2Engine.RingConfig.DEFAULT,
                    ProviderLog.system("stale-host"));
            PacketSocketImpl s = engine.open(BundleIdentity.of(7, "stale.host", "1.0.0"));
            s.setupFilter(Filter.named("stale-in").ethertype(0x88b5).action(FilterAction.UP_AND_DROP).build());
            s.setupFilter(Filter.named("stale-out").ethertype(0x88b6).direction(Direction.EGRESS)
                    .action(FilterAction.UP_AND_DROP).build());
            System.out.println("READY " + ProcessHandle.current().pid());
        } catch (Exception e) {
            System.out.println("FAILED " + e);
            System.out.flush();
            Runtime.getRuntime().halt(3);
        }
        System.out.flush();
        while (System.in.read() >= 0) {
            // wait for the parent to go
        }
        Runtime.getRuntime().halt(0);
    }
}
