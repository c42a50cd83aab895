package expkt.protocol.wol;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import expkt.api.operator.Printable;
import expkt.api.status.StatusPage;
import expkt.api.status.StatusPageDTO;
import expkt.api.status.StatusTableDTO;

/**
 * The relay's status page (the web console's "Wake-on-LAN" under expkt): its last magic packets,
 * newest first (when, kind, target, source, ingress port, VLANs relayed to), with the counters of
 * {@code wol:stats} as the summary.
 *
 * <p>Threading: the host calls {@link #status()} on its threads, concurrently; it reads the relay's
 * thread-safe counters and a copy of its history, and builds a new DTO per call.
 */
@Component(property = {StatusPage.NAME + "=wol", StatusPage.TITLE + "=Wake-on-LAN"})
public final class WolStatusPage implements StatusPage {
    static final List<String> COLUMNS = List.of("Time", "Kind", "Target", "Source", "Ingress", "Relayed to");
    private final WolRelay relay;

    @Activate
    public WolStatusPage(@Reference WolRelay relay) {
        this.relay = relay;
    }

    @Override
    public StatusPageDTO status() {
        return page(relay.core());
    }

    static StatusPageDTO page(WolRelayCore core) {
        List<WolRelayCore.Wake> history = core.history();
        List<List<String>> rows = new ArrayList<>(history.size());
        for (int i = history.size() - 1; i >= 0; i--) {
            WolRelayCore.Wake w = history.get(i);
            rows.add(List.of(w.at().toString(), w.kind(), w.target().toString(), Printable.escape(w.source()),
                    Printable.escape(w.ingress()), w.relayedTo().isEmpty() ? "-" : Printable.escape(String.join(", ", w.relayedTo()))));
        }
        WolSettings s = core.settings();
        Map<String, Long> relayed = new LinkedHashMap<>();
        for (String v : s.relayVlans()) {
            relayed.put(v, core.relayed(v));
        }
        StatusPageDTO page = new StatusPageDTO();
        page.summary = "frames in " + core.framesIn() + ", magic 0x0842 " + core.magicEthertype() + ", magic UDP " + core.magicUdp()
                + ", invalid " + core.invalid() + "; relayed " + relayed + ", send errors " + core.sendErrors() + ", wol:wake sent "
                + core.wakesSent() + "; UDP port " + (s.udpPort() == 0 ? "off" : s.udpPort())
                + (core.lastError() == null ? "" : "; last error: " + Printable.escape(core.lastError()));
        StatusTableDTO t = new StatusTableDTO();
        t.title = "Last magic packets (newest first)";
        t.columns = COLUMNS;
        t.rows = rows;
        t.empty = "no magic packet yet";
        page.tables = List.of(t);
        return page;
    }
}
