package expkt.host.update;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.osgi.framework.Bundle;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.namespace.BundleNamespace;
import org.osgi.framework.namespace.HostNamespace;
import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.component.runtime.dto.ReferenceDTO;
import org.osgi.service.component.runtime.dto.SatisfiedReferenceDTO;
import org.osgi.framework.dto.ServiceReferenceDTO;

/**
 * What updating one bundle would restart besides the bundle itself, computed from the running
 * framework, never from a list of names:
 * <ul>
 * <li><b>wiring</b>: the bundles the framework refreshes with it ({@link FrameworkWiring#getDependencyClosure}:
 * whoever imports a package it exports, requires it, or is its fragment, transitively) — a refresh
 * stops and restarts each of them;</li>
 * <li><b>services</b>: the Declarative Services components of other bundles bound to a service the
 * bundle registers through a static reference or a mandatory one: when the bundle stops, its services
 * go, and SCR deactivates such a component (and activates it again when the new revision registers
 * them). An optional dynamic reference is only unbound and rebound: not a restart. Updating
 * Declarative Services itself deactivates every component of every other bundle.</li>
 * </ul>
 * Immutable; {@link #of} reads snapshots (the wiring, SCR's DTOs) and may run on any thread.
 *
 * @param target     the bundle to update
 * @param restarts   bundle id → that bundle and why it would restart, in bundle-id order
 */
public record UpdateImpact(Bundle target, Map<Long, Restart> restarts) {

    /** A bundle that would restart: its id, symbolic name, and one line per reason. */
    public record Restart(long id, String symbolicName, List<String> why) {
    }

    /** Nothing but the bundle itself restarts. */
    public boolean selfOnly() {
        return restarts.isEmpty();
    }

    /** "20 expkt.protocol.lldp, 21 expkt.protocol.wol". */
    public String bundleList() {
        List<String> names = new ArrayList<>();
        for (Restart r : restarts.values()) {
            names.add(r.id() + " " + r.symbolicName());
        }
        return String.join(", ", names);
    }

    /** Why each bundle would restart, one line per reason ("  20 expkt.protocol.lldp: component … reference …"). */
    public String reasons() {
        StringBuilder s = new StringBuilder();
        for (Restart r : restarts.values()) {
            for (String w : r.why()) {
                s.append("  ").append(r.id()).append(' ').append(r.symbolicName()).append(": ").append(w).append('\n');
            }
        }
        return s.toString();
    }

    /** What the bundle is, for messages: "bundle 15 expkt.provider 0.1.0.2026…". */
    public String what() {
        return "bundle " + target.getBundleId() + " " + target.getSymbolicName() + " " + target.getVersion();
    }

    /** The impact of updating {@code target} now. */
    public static UpdateImpact of(Bundle target, FrameworkWiring wiring, ServiceComponentRuntime scr) {
        Map<Long, Restart> out = new TreeMap<>();
        Collection<Bundle> closure = wiring.getDependencyClosure(List.of(target));
        Set<Long> refreshed = new HashSet<>();
        for (Bundle b : closure) {
            refreshed.add(b.getBundleId());
        }
        for (Bundle b : closure) {
            if (b.getBundleId() == target.getBundleId()) {
                continue;
            }
            out.computeIfAbsent(b.getBundleId(), k -> new Restart(k, b.getSymbolicName(), new ArrayList<>()))
                    .why().add(wiredTo(b, refreshed, target));
        }
        if (scr != null) {
            // the update of SCR itself (the extender) deactivates every component of every bundle
            Bundle scrBundle = FrameworkUtil.getBundle(scr.getClass());
            boolean extender = scrBundle != null && scrBundle.getBundleId() == target.getBundleId();
            for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs()) {
                if (d.bundle.id == target.getBundleId()) {
                    continue;
                }
                if (extender) {
                    out.computeIfAbsent(d.bundle.id, k -> new Restart(k, d.bundle.symbolicName, new ArrayList<>()))
                            .why().add("component " + d.name + " is deactivated (its extender, Declarative Services, is the bundle updated)");
                    continue;
                }
                for (ComponentConfigurationDTO c : scr.getComponentConfigurationDTOs(d)) {
                    if (c.state != ComponentConfigurationDTO.ACTIVE && c.state != ComponentConfigurationDTO.SATISFIED) {
                        continue;
                    }
                    for (SatisfiedReferenceDTO bound : c.satisfiedReferences) {
                        ReferenceDTO ref = reference(d, bound.name);
                        if (ref == null || !restartsOnLoss(ref) || !boundTo(bound, target)) {
                            continue;
                        }
                        out.computeIfAbsent(d.bundle.id, k -> new Restart(k, d.bundle.symbolicName, new ArrayList<>()))
                                .why().add("component " + d.name + " is deactivated (reference " + ref.name + " to "
                                + ref.interfaceName + ", " + ref.policy + " " + ref.cardinality + ", is bound to "
                                + target.getSymbolicName() + "'s service)");
                    }
                }
            }
        }
        return new UpdateImpact(target, out);
    }

    /** A static reference is re-bound only by a new activation; a mandatory one deactivates without a service. */
    static boolean restartsOnLoss(ReferenceDTO ref) {
        return "static".equals(ref.policy) || ref.cardinality.startsWith("1");
    }

    private static boolean boundTo(SatisfiedReferenceDTO bound, Bundle target) {
        for (ServiceReferenceDTO s : bound.boundServices) {
            if (s.bundle == target.getBundleId()) {
                return true;
            }
        }
        return false;
    }

    private static ReferenceDTO reference(ComponentDescriptionDTO d, String name) {
        for (ReferenceDTO r : d.references) {
            if (r.name.equals(name)) {
                return r;
            }
        }
        return null;
    }

    /** What ties {@code b} to the refreshed set: "imports expkt.api.packet from 1 expkt.api". */
    private static String wiredTo(Bundle b, Set<Long> refreshed, Bundle target) {
        BundleWiring w = b.adapt(BundleWiring.class);
        Set<String> ties = new LinkedHashSet<>();
        if (w != null) {
            for (BundleWire wire : w.getRequiredWires(null)) {
                Bundle provider = wire.getProvider().getBundle();
                if (!refreshed.contains(provider.getBundleId())) {
                    continue;
                }
                String ns = wire.getCapability().getNamespace();
                Object what = wire.getCapability().getAttributes().get(ns);
                String verb = switch (ns) {
                    case PackageNamespace.PACKAGE_NAMESPACE -> "imports " + what;
                    case BundleNamespace.BUNDLE_NAMESPACE -> "requires bundle " + what;
                    case HostNamespace.HOST_NAMESPACE -> "is a fragment of " + what;
                    default -> "requires " + ns + " " + what;
                };
                ties.add(verb + " from " + provider.getBundleId() + " " + provider.getSymbolicName());
            }
        }
        return ties.isEmpty() ? "refreshed with " + name(target) + " (wired to it)" : "restarted by the refresh: " + String.join(", ", ties);
    }

    private static String name(Bundle b) {
        return b.getBundleId() + " " + b.getSymbolicName();
    }
}
