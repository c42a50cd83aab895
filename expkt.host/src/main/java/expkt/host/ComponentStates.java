package expkt.host;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.ComponentConstants;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.component.runtime.dto.UnsatisfiedReferenceDTO;

/**
 * What Declarative Services says about the components of a framework, from the
 * {@link ServiceComponentRuntime}'s DTOs: which enabled components are unsatisfied (a mandatory
 * reference has no service) or failed to activate, and why. A component that waits for a required
 * configuration is not a problem (it is configured on purpose, or not at all); a disabled one neither.
 *
 * <p>Threading: stateless; safe from any thread (the DTOs are snapshots).
 */
final class ComponentStates {
    private ComponentStates() {
    }

    /** One line per enabled component configuration that is unsatisfied or failed, in component order. */
    static List<String> problems(ServiceComponentRuntime scr) {
        List<String> out = new ArrayList<>();
        for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs()) {
            if (!scr.isComponentEnabled(d)) {
                continue;
            }
            for (ComponentConfigurationDTO c : scr.getComponentConfigurationDTOs(d)) {
                String problem = problem(d, c);
                if (problem != null) {
                    out.add(problem);
                }
            }
        }
        return out;
    }

    /** Component configuration id to state: equal snapshots mean nothing changed in between. */
    static Map<Long, Integer> snapshot(ServiceComponentRuntime scr) {
        Map<Long, Integer> states = new LinkedHashMap<>();
        for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs()) {
            for (ComponentConfigurationDTO c : scr.getComponentConfigurationDTOs(d)) {
                states.put(c.id, c.state);
            }
        }
        return states;
    }

    /** Null when the configuration is fine (active, satisfied, or waiting for its configuration). */
    static String problem(ComponentDescriptionDTO d, ComponentConfigurationDTO c) {
        String who = "component " + d.name + " of " + d.bundle.symbolicName;
        return switch (c.state) {
            case ComponentConfigurationDTO.UNSATISFIED_REFERENCE -> who + " is unsatisfied: " + unsatisfied(c);
            case ComponentConfigurationDTO.FAILED_ACTIVATION -> who + " failed to activate: " + firstLine(c.failure);
            default -> null;
        };
    }

    /**
     * Why the component behind a service cannot give it out (its getService returned null): the
     * state of its configuration, or null if the service is not a DS component's.
     */
    static String whyUnavailable(BundleContext context, ServiceComponentRuntime scr, ServiceReference<?> ref) {
        Object name = ref.getProperty(ComponentConstants.COMPONENT_NAME);
        Object id = ref.getProperty(ComponentConstants.COMPONENT_ID);
        Bundle bundle = ref.getBundle();
        if (!(name instanceof String) || bundle == null) {
            return null;
        }
        ComponentDescriptionDTO d = scr.getComponentDescriptionDTO(bundle, (String) name);
        if (d == null) {
            return "component " + name + " of " + bundle.getSymbolicName() + " is gone";
        }
        for (ComponentConfigurationDTO c : scr.getComponentConfigurationDTOs(d)) {
            if (id == null || id.equals(c.id)) {
                String problem = problem(d, c);
                return problem != null ? problem
                        : "component " + name + " of " + bundle.getSymbolicName() + " gave no service (state " + name(c.state) + ")";
            }
        }
        return "component " + name + " of " + bundle.getSymbolicName() + " has no configuration";
    }

    private static String unsatisfied(ComponentConfigurationDTO c) {
        List<String> refs = new ArrayList<>();
        for (UnsatisfiedReferenceDTO r : c.unsatisfiedReferences) {
            String iface = "";
            for (var rd : c.description.references) {
                if (rd.name.equals(r.name)) {
                    iface = " " + rd.interfaceName;
                }
            }
            refs.add("reference " + r.name + iface + (r.target == null ? "" : " " + r.target) + " has no service");
        }
        return refs.isEmpty() ? "a mandatory reference has no service" : String.join(", ", refs);
    }

    static String firstLine(String failure) {
        if (failure == null || failure.isBlank()) {
            return "(no reason recorded)";
        }
        String line = failure.strip().lines().findFirst().orElse("");
        // the failure is a stack trace: its first line is "exception class: message"
        return line;
    }

    static String name(int state) {
        return switch (state) {
            case ComponentConfigurationDTO.UNSATISFIED_CONFIGURATION -> "UNSATISFIED_CONFIGURATION";
            case ComponentConfigurationDTO.UNSATISFIED_REFERENCE -> "UNSATISFIED_REFERENCE";
            case ComponentConfigurationDTO.SATISFIED -> "SATISFIED";
            case ComponentConfigurationDTO.ACTIVE -> "ACTIVE";
            case ComponentConfigurationDTO.FAILED_ACTIVATION -> "FAILED_ACTIVATION";
            default -> "state " + state;
        };
    }
}
