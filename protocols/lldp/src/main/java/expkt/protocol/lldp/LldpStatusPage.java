package expkt.protocol.lldp;

import java.util.ArrayList;
import java.util.List;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import expkt.api.operator.Printable;
import expkt.api.status.StatusPage;
import expkt.api.status.StatusPageDTO;
import expkt.api.status.StatusTableDTO;

/**
 * The agent's status page (the web console's "LLDP neighbours" under expkt): the neighbour table as
 * {@code lldp:neighbors} prints it, one column per field, and what each port sent, with the
 * counters of {@code lldp:stats} as the summary. Text from peers is escaped as the commands escape it
 * ({@link Printable}); the host escapes it again for HTML.
 *
 * <p>Threading: the host calls {@link #status()} on its threads, concurrently; it reads the table
 * and counters, which are thread-safe, and builds a new DTO per call.
 */
@Component(property = {StatusPage.NAME + "=lldp", StatusPage.TITLE + "=LLDP neighbours"})
public final class LldpStatusPage implements StatusPage {
    static final List<String> NEIGHBOUR_COLUMNS = List.of("Port", "Chassis ID", "Port ID", "System name", "TTL left (s)",
            "Capabilities (system/enabled)", "Management addresses", "Port description", "System description");
    private final LldpAgent agent;

    @Activate
    public LldpStatusPage(@Reference LldpAgent agent) {
        this.agent = agent;
    }

    @Override
    public StatusPageDTO status() {
        return page(agent.core(), System.currentTimeMillis());
    }

    static StatusPageDTO page(LldpAgentCore core, long nowMillis) {
        List<List<String>> neighbours = new ArrayList<>();
        for (Neighbor n : core.table().list()) {
            long left = Math.max(0, (n.expiresMillis() - nowMillis + 999) / 1000);
            neighbours.add(java.util.Arrays.asList(n.port(), Printable.escape(n.chassisId()), Printable.escape(n.portId()),
                    text(n.systemName()), Long.toString(left),
                    n.systemCapabilities() < 0 ? "" : String.format("0x%02x/0x%02x", n.systemCapabilities(), n.enabledCapabilities()),
                    Printable.escape(String.join(", ", n.managementAddresses())), text(n.portDescription()), text(n.systemDescription())));
        }
        List<List<String>> ports = new ArrayList<>();
        for (String p : core.scheduler().ports()) {
            ports.add(List.of(p, Long.toString(core.scheduler().sent(p))));
        }
        LldpStats s = core.stats();
        NeighborTable t = core.table();
        LldpSettings settings = core.settings();
        StatusPageDTO page = new StatusPageDTO();
        page.summary = "frames in " + s.framesIn() + ", discarded " + s.framesDiscarded() + ", shutdowns in " + s.shutdownsIn()
                + "; frames out " + s.framesOut() + ", send errors " + s.sendErrors() + "; neighbours " + t.size() + ", inserts "
                + t.inserts() + ", deletes " + t.deletes() + ", ageouts " + t.ageouts() + "; tx interval " + settings.txIntervalSeconds()
                + " s, ttl " + settings.ttl() + " s" + (core.lastError() == null ? "" : "; last error: " + Printable.escape(core.lastError()));
        page.tables = List.of(table("Neighbours", NEIGHBOUR_COLUMNS, neighbours, "no neighbour: no LLDPDU received yet (or every one aged out)"),
                table("LLDPDUs sent", List.of("Port", "Sent"), ports, "no port"));
        return page;
    }

    private static StatusTableDTO table(String title, List<String> columns, List<List<String>> rows, String empty) {
        StatusTableDTO t = new StatusTableDTO();
        t.title = title;
        t.columns = columns;
        t.rows = rows;
        t.empty = empty;
        return t;
    }

    private static String text(String s) {
        return s == null ? "" : Printable.escape(s);
    }
}
