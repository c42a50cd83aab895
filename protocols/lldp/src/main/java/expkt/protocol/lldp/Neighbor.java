package expkt.protocol.lldp;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One remote system as the last LLDPDU from it on one port described it. Immutable; the table
 * replaces the entry when a new LLDPDU arrives.
 *
 * @param port the local port (slot:port text) the LLDPDU arrived on
 * @param chassisIdSubtype IEEE 802.1AB chassis ID subtype (4 = MAC address, 7 = local ...)
 * @param chassisId the chassis ID in display form (a MAC as aa:bb:.., an address, text, or hex)
 * @param portIdSubtype port ID subtype (3 = MAC, 5 = interface name, 7 = local ...)
 * @param portId the port ID in display form
 * @param ttl seconds the information is valid, as the neighbour sent it
 * @param portDescription or null
 * @param systemName or null
 * @param systemDescription or null
 * @param systemCapabilities capability bits, or -1 when absent
 * @param enabledCapabilities enabled capability bits, or -1 when absent
 * @param managementAddresses management addresses in display form
 * @param updatedMillis when the last LLDPDU arrived (epoch millis)
 * @param expiresMillis when the entry ages out unless refreshed (epoch millis)
 */
public record Neighbor(String port, int chassisIdSubtype, String chassisId, int portIdSubtype, String portId, int ttl,
                       String portDescription, String systemName, String systemDescription, int systemCapabilities,
                       int enabledCapabilities, List<String> managementAddresses, long updatedMillis, long expiresMillis) {

    public Neighbor {
        Objects.requireNonNull(port, "port");
        Objects.requireNonNull(chassisId, "chassisId");
        Objects.requireNonNull(portId, "portId");
        managementAddresses = List.copyOf(managementAddresses);
    }

    /** The identity of a neighbour on a port (IEEE 802.1AB: chassis ID + port ID, MSAP). */
    public String key() {
        return port + "|" + chassisIdSubtype + ":" + chassisId + "|" + portIdSubtype + ":" + portId;
    }

    /** Same information, new timestamps (a refresh). */
    Neighbor at(long updated, long expires) {
        return new Neighbor(port, chassisIdSubtype, chassisId, portIdSubtype, portId, ttl, portDescription, systemName,
                systemDescription, systemCapabilities, enabledCapabilities, managementAddresses, updated, expires);
    }

    /** True if the neighbour's advertised information differs from {@code o}'s (timestamps aside). */
    boolean sameInformation(Neighbor o) {
        return ttl == o.ttl && Objects.equals(portDescription, o.portDescription) && Objects.equals(systemName, o.systemName)
                && Objects.equals(systemDescription, o.systemDescription) && systemCapabilities == o.systemCapabilities
                && enabledCapabilities == o.enabledCapabilities && managementAddresses.equals(o.managementAddresses);
    }

    /** JDK types only, for {@link expkt.api.handler.StateHandover}. */
    Map<String, Object> toState() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("port", port);
        m.put("chassisIdSubtype", chassisIdSubtype);
        m.put("chassisId", chassisId);
        m.put("portIdSubtype", portIdSubtype);
        m.put("portId", portId);
        m.put("ttl", ttl);
        m.put("portDescription", portDescription);
        m.put("systemName", systemName);
        m.put("systemDescription", systemDescription);
        m.put("systemCapabilities", systemCapabilities);
        m.put("enabledCapabilities", enabledCapabilities);
        m.put("managementAddresses", List.copyOf(managementAddresses));
        m.put("updatedMillis", updatedMillis);
        m.put("expiresMillis", expiresMillis);
        return m;
    }

    /** The inverse of {@link #toState()}; a missing or mistyped field gives an IllegalArgumentException naming it. */
    static Neighbor fromState(Map<?, ?> m) {
        return new Neighbor(str(m, "port", false), num(m, "chassisIdSubtype").intValue(), str(m, "chassisId", false),
                num(m, "portIdSubtype").intValue(), str(m, "portId", false), num(m, "ttl").intValue(),
                str(m, "portDescription", true), str(m, "systemName", true), str(m, "systemDescription", true),
                num(m, "systemCapabilities").intValue(), num(m, "enabledCapabilities").intValue(), strings(m),
                num(m, "updatedMillis").longValue(), num(m, "expiresMillis").longValue());
    }

    private static String str(Map<?, ?> m, String k, boolean nullable) {
        Object v = m.get(k);
        if (v == null && nullable) {
            return null;
        }
        if (!(v instanceof String s)) {
            throw new IllegalArgumentException("neighbour state field \"" + k + "\" is " + v + ", not a string");
        }
        return s;
    }

    private static Number num(Map<?, ?> m, String k) {
        if (!(m.get(k) instanceof Number n)) {
            throw new IllegalArgumentException("neighbour state field \"" + k + "\" is " + m.get(k) + ", not a number");
        }
        return n;
    }

    private static List<String> strings(Map<?, ?> m) {
        if (!(m.get("managementAddresses") instanceof List<?> l)) {
            throw new IllegalArgumentException("neighbour state field \"managementAddresses\" is " + m.get("managementAddresses") + ", not a list");
        }
        return l.stream().map(String::valueOf).toList();
    }
}
