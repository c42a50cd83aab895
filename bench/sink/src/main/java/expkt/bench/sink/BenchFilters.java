package expkt.bench.sink;

import expkt.api.packet.Filter;
import expkt.api.packet.PacketService;
import expkt.api.packet.PacketSocket;
import java.util.ArrayList;
import java.util.List;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * The load of the {@code forward} benchmark (mode {@code filters}): {@code expkt.bench.filters}
 * sockets (default 50), each with one filter that the forwarded traffic (ethertype 0x88b5 to the far
 * host's MAC) never matches, as protocol bundles would hold them: a third on a destination MAC and an
 * ethertype, a third on an ethertype only, a third on a MAC only. The sockets have no callback: what
 * is measured is what the data plane pays for them. 0 sockets: only the status line (the demo
 * bundles' row).
 *
 * <p>Threading: SCR's activation thread only.
 */
@Component(immediate = true)
public final class BenchFilters {
    private final List<PacketSocket> sockets = new ArrayList<>();
    private final BenchStatus status;

    @Activate
    public BenchFilters(BundleContext context, @Reference PacketService packets,
                        @Reference(service = LoggerFactory.class) Logger log) throws Exception {
        if (!"filters".equals(context.getProperty("expkt.bench.mode"))) {
            status = null;
            return;
        }
        int n = Integer.parseInt(context.getProperty("expkt.bench.filters") == null ? "50" : context.getProperty("expkt.bench.filters"));
        try {
            for (int i = 0; i < n; i++) {
                PacketSocket s = packets.open();
                sockets.add(s);
                Filter.Builder f = Filter.named("bench-f" + i);
                String mac = String.format("01:80:c2:00:%02x:%02x", 0x10 + i / 256, i % 256);
                switch (i % 3) {
                    case 0 -> f.dstmac(mac).ethertype(0x8900 + i);
                    case 1 -> f.ethertype(0x8900 + i);
                    default -> f.dstmac(mac);
                }
                s.setupFilter(f.build());
            }
        } catch (Exception e) {
            sockets.forEach(PacketSocket::close);
            throw e;
        }
        int count = sockets.size();
        status = new BenchStatus(context.getProperty("expkt.bench.status"), () -> "state=ready sockets=" + count);
        log.info("benchmark filters: {} sockets with one filter each", count);
    }

    @Deactivate
    void deactivate() {
        sockets.forEach(PacketSocket::close);
        if (status != null) {
            status.close();
        }
    }
}
