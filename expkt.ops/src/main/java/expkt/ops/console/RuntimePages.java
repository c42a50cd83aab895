package expkt.ops.console;

import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.stream.Collectors;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

import expkt.api.runtime.ExpktRuntime;
import expkt.api.runtime.FilterDTO;
import expkt.api.runtime.HandlerDTO;
import expkt.api.runtime.LaneDTO;
import expkt.api.runtime.PortDTO;
import expkt.api.runtime.SocketDTO;
import expkt.api.runtime.VlanDTO;
import expkt.api.runtime.VrDTO;
import jakarta.servlet.Servlet;

/**
 * Registers the expkt pages of the web console (category "expkt"): ports, VLANs, VRs, filters (with
 * their nftables counters: the seed's "show access-list"), sockets, handlers and lanes. Each is a
 * {@link RuntimePage}, a servlet service with the web console's {@code felix.webconsole.label}
 * property: the web console's own whiteboard, which a protocol bundle uses the same way for a page
 * of its own.
 *
 * <p>Threading: SCR activates and deactivates; the runtime reference is dynamic (volatile), read by
 * the pages on request threads.
 */
@Component(immediate = true)
public final class RuntimePages {
    private final List<ServiceRegistration<Servlet>> registrations = new ArrayList<>();
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile ExpktRuntime runtime;

    @Activate
    public RuntimePages(BundleContext context) {
        for (RuntimePage<?> p : pages()) {
            Hashtable<String, Object> props = new Hashtable<>();
            props.put("felix.webconsole.label", p.label);
            props.put("felix.webconsole.title", p.title);
            props.put("felix.webconsole.category", RuntimePage.CATEGORY);
            registrations.add(context.registerService(Servlet.class, p, props));
        }
    }

    @Deactivate
    void deactivate() {
        for (ServiceRegistration<Servlet> r : registrations) {
            try {
                r.unregister();
            } catch (IllegalStateException gone) {
                // the bundle is stopping: its services are gone already
            }
        }
    }

    private List<RuntimePage<?>> pages() {
        return List.of(
                new RuntimePage<PortDTO>("expkt-ports", "Ports", "Data-plane ports: slot:port, interface, link state (followed live), VR and VLANs.",
                        () -> runtime, ExpktRuntime::ports, List.of(
                                Column.of("Port", p -> p.slotPort), Column.of("Interface", p -> p.ifName), Column.of("ifindex", p -> p.ifIndex),
                                Column.of("MAC", p -> p.mac), Column.of("MTU", p -> p.mtu), Column.of("State", p -> p.operState),
                                Column.of("VR", p -> p.vr),
                                Column.of("VLANs", p -> p.vlans == null ? "" : p.vlans.stream()
                                        .map(v -> v.vlan + "(" + v.tag + (v.tagged ? ", tagged" : ", untagged") + ")").collect(Collectors.joining(" ")))) ),
                new RuntimePage<VlanDTO>("expkt-vlans", "VLANs", "Configured VLANs with their tagged and untagged member ports.",
                        () -> runtime, ExpktRuntime::vlans, List.of(
                                Column.of("Name", v -> v.name), Column.of("Tag", v -> v.tag),
                                Column.of("Tagged", v -> join(v.tagged)), Column.of("Untagged", v -> join(v.untagged)))),
                new RuntimePage<VrDTO>("expkt-vrs", "Virtual routers", "Virtual routers: id, name, backend and where they live.",
                        () -> runtime, ExpktRuntime::vrs, List.of(
                                Column.of("Id", v -> v.id), Column.of("Name", v -> v.name), Column.of("Backend", v -> v.backend),
                                Column.of("Location", v -> v.location), Column.of("Host default", v -> v.hostDefault ? "yes" : ""),
                                Column.of("Data plane", v -> v.dataPlane ? "yes" : ""), Column.of("Registered", v -> v.registered ? "yes" : "no"))),
                new RuntimePage<FilterDTO>("expkt-filters", "Filters", "Every filter (show access-list) with the packets and bytes its nftables rule counted.",
                        () -> runtime, ExpktRuntime::filters, List.of(
                                Column.of("State", f -> f.state), Column.of("Filter", f -> f.name), Column.of("Owner", f -> f.owner),
                                Column.of("Socket", f -> f.socketId), Column.of("Match", f -> f.match), Column.of("Action", f -> f.action),
                                Column.of("Direction", f -> f.direction), Column.of("VR", f -> f.vr == null ? "all" : f.vr),
                                Column.of("Packets", f -> f.counted ? f.packets : "not counted"), Column.of("Bytes", f -> f.counted ? f.bytes : "not counted"),
                                Column.of("Reason", f -> f.reason))),
                new RuntimePage<SocketDTO>("expkt-sockets", "Sockets", "Open L2 sockets: owner, filters, mode, frames received and kernel drops.",
                        () -> runtime, ExpktRuntime::sockets, List.of(
                                Column.of("Id", s -> s.id), Column.of("Owner", s -> s.owner), Column.of("VR", s -> s.vr), Column.of("Rx mode", s -> s.rxMode),
                                Column.of("Blocking", s -> s.blocking ? "yes" : "no"), Column.of("Callback", s -> s.callback ? "yes" : "no"),
                                Column.of("Filters", s -> join(s.filters)), Column.of("Frames", s -> s.frames), Column.of("Kernel drops", s -> s.kernelDrops),
                                Column.of("Lane", s -> s.lane))),
                new RuntimePage<HandlerDTO>("expkt-handlers", "Handlers", "Whiteboard handlers and callbacks: state, lane, frames, drops, exceptions and time spent.",
                        () -> runtime, ExpktRuntime::handlers, List.of(
                                Column.of("Kind", h -> h.kind), Column.of("Bundle", h -> h.symbolicName + (h.version == null ? "" : " " + h.version) + " [" + h.bundleId + "]"),
                                Column.of("Filter", h -> h.filter), Column.of("State", h -> h.state), Column.of("Lane", h -> h.lane),
                                Column.of("Frames", h -> h.frames), Column.of("Drops", h -> h.drops), Column.of("Exceptions", h -> h.exceptions),
                                Column.of("Time (ms)", h -> String.format(java.util.Locale.ROOT, "%.3f", h.handleNanos / 1e6)), Column.of("Revisions", h -> h.versions),
                                Column.of("Reason", h -> h.reason))),
                new RuntimePage<LaneDTO>("expkt-lanes", "Lanes", "Dispatch lanes (one thread each): wake-ups, calls into bundle code and time spent there.",
                        () -> runtime, ExpktRuntime::lanes, List.of(
                                Column.of("Lane", l -> l.name), Column.of("Thread", l -> l.thread), Column.of("Registrations", l -> l.registrations),
                                Column.of("Dedicated", l -> l.dedicated ? "yes" : ""), Column.of("Wake-ups", l -> l.wakeups), Column.of("Calls", l -> l.calls),
                                Column.of("Busy (ms)", l -> String.format(java.util.Locale.ROOT, "%.3f", l.busyNanos / 1e6)))));
    }

    private static String join(List<String> l) {
        return l == null ? "" : String.join(" ", l);
    }
}
