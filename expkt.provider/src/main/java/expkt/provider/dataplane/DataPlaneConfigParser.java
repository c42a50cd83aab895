package expkt.provider.dataplane;

import expkt.api.net.MacAddress;
import expkt.api.net.SlotPort;
import expkt.api.net.VlanId;
import expkt.api.packet.Port;
import expkt.api.packet.Vlan;
import expkt.linux.NetInterfaces.NetInterface;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns the data-plane configuration (port map and VLAN entries, as ConfigAdmin holds them) and the
 * interfaces found in the namespace into a {@link DataPlaneModel}. Any bad entry gives an
 * IllegalArgumentException that quotes it, so that the caller can keep the previous model.
 *
 * <p>Port entries: {@code "1:1=p1"} (slot:port = interface; standalone {@code "3=p3"} is 1:3). No
 * entries: every non-loopback, non-bridge interface in ifindex order is 1:1..1:N.
 *
 * <p>A port entry may name its VR: {@code "2:1=p1 vr=VR-A"}. Its interface is then looked up in that
 * VR's network namespace (what {@link VrPorts} says it is: the VR registry's location of the VR), and
 * the port belongs to that VR; without {@code vr=} the port is in the data plane's namespace and VR, as
 * before. An unknown VR, or one whose namespace cannot be had, refuses the entry, naming the VR.
 *
 * <p>VLAN entries: {@code "name=foo tag=100 tagged=1:1,1:2 untagged=1:3"} (tokens separated by
 * spaces; {@code tagged}/{@code untagged} optional; ports as slot:port or standalone numbers). The
 * tag is decimal without leading zeros ({@code tag=010} is refused rather than read as 10 or as
 * octal 8).
 */
public final class DataPlaneConfigParser {
    private DataPlaneConfigParser() {
    }

    /**
     * Where the ports of a VR named by a port entry are. Implemented by the {@link DataPlane} (which
     * opens the VR's namespace); the parser calls it once per VR named.
     */
    public interface VrPorts {
        /**
         * The VR named {@code vrName}: its canonical name and id, the space its namespace is and that
         * namespace's interfaces now.
         *
         * @throws IllegalArgumentException naming the VR when it is unknown or its namespace cannot be had
         */
        VrSpace place(String vrName);
    }

    /** A VR's place: canonical name and id, the space index of its namespace, the namespace's interfaces. */
    public record VrSpace(String vrName, int vrId, int space, List<NetInterface> interfaces) {
    }

    /** Knows no VR but the data plane's own (port entries with another {@code vr=} are refused). */
    static VrPorts onlyOwnVr(String ownVr) {
        return name -> {
            throw new IllegalArgumentException("unknown VR \"" + name + "\" (known VRs: " + ownVr
                    + "; other VRs need the VR registry, bundle expkt.vr, which knows their namespaces)");
        };
    }

    public static DataPlaneModel build(List<NetInterface> interfaces, String[] portEntries, String[] vlanEntries,
                                       String vrName, int vrId) {
        return build(interfaces, portEntries, vlanEntries, vrName, vrId, onlyOwnVr(vrName));
    }

    /**
     * As {@link #build(List, String[], String[], String, int)}, with port entries that name a VR
     * ({@code vr=}) placed through {@code vrPorts}.
     */
    public static DataPlaneModel build(List<NetInterface> interfaces, String[] portEntries, String[] vlanEntries,
                                       String vrName, int vrId, VrPorts vrPorts) {
        Map<SlotPort, DataPlaneModel.Place> places = new HashMap<>();
        Map<String, VrSpace> vrSpaces = new HashMap<>();
        List<Port> ports = new ArrayList<>();
        String source;
        if (portEntries == null || portEntries.length == 0 || allBlank(portEntries)) {
            int n = 0;
            for (NetInterface i : interfaces) {
                if (i.isLoopback() || i.isBridge() || PuntLinks.isReserved(i.name())) {
                    continue;
                }
                n++;
                ports.add(port(new SlotPort(1, n), i, vrName));
            }
            source = "default numbering";
        } else {
            Map<String, NetInterface> byName = new HashMap<>();
            for (NetInterface i : interfaces) {
                byName.put(i.name(), i);
            }
            Map<SlotPort, String> seen = new HashMap<>();
            Map<String, String> seenIf = new HashMap<>();
            for (String raw : portEntries) {
                if (raw == null || raw.isBlank()) {
                    continue;
                }
                String e = raw.strip();
                int eq = e.indexOf('=');
                if (eq < 0) {
                    throw new IllegalArgumentException("port entry \"" + raw + "\" is malformed: expected slot:port=interface, e.g. 1:1=p1");
                }
                SlotPort sp;
                try {
                    sp = SlotPort.parse(e.substring(0, eq));
                } catch (IllegalArgumentException x) {
                    throw new IllegalArgumentException("port entry \"" + raw + "\": " + x.getMessage(), x);
                }
                String[] rest = e.substring(eq + 1).strip().split("\\s+");
                String ifName = rest[0];
                String vr = null;
                for (int k = 1; k < rest.length; k++) {
                    String token = rest[k];
                    if (!token.startsWith("vr=") || vr != null) {
                        throw new IllegalArgumentException("port entry \"" + raw + "\": \"" + token + "\" is not understood "
                                + "(expected slot:port=interface, optionally followed by one vr=<VR name>, e.g. 2:1=p1 vr=VR-A)");
                    }
                    vr = token.substring(3);
                    if (!vr.matches("[A-Za-z0-9_.-]{1,32}")) {
                        throw new IllegalArgumentException("port entry \"" + raw + "\": VR name \"" + vr
                                + "\" must be 1..32 of letters, digits, '_', '.', '-'");
                    }
                }
                VrSpace place = null;
                if (vr != null && !vr.equalsIgnoreCase(vrName)) {
                    String key = vr.toLowerCase(java.util.Locale.ROOT);
                    place = vrSpaces.get(key);
                    if (place == null) {
                        try {
                            place = vrPorts.place(vr);
                        } catch (IllegalArgumentException x) {
                            throw new IllegalArgumentException("port entry \"" + raw + "\": " + x.getMessage(), x);
                        }
                        vrSpaces.put(key, place);
                    }
                }
                NetInterface ni = null;
                if (place == null) {
                    ni = byName.get(ifName);
                } else {
                    for (NetInterface i : place.interfaces()) {
                        if (i.name().equals(ifName)) {
                            ni = i;
                        }
                    }
                }
                if (ni == null) {
                    throw new IllegalArgumentException("port entry \"" + raw + "\": " + (place == null ? "the data-plane namespace"
                            : "the namespace of VR " + place.vrName()) + " has no interface \"" + ifName + "\"");
                }
                if (PuntLinks.isReserved(ifName)) {
                    throw new IllegalArgumentException("port entry \"" + raw + "\": " + ifName + " is one of the provider's own capture links");
                }
                if (ni.isLoopback()) {
                    throw new IllegalArgumentException("port entry \"" + raw + "\": " + ifName + " is a loopback interface");
                }
                if (seen.containsKey(sp)) {
                    throw new IllegalArgumentException("port entry \"" + raw + "\": slot:port " + sp + " is already mapped by \""
                            + seen.get(sp) + "\"");
                }
                // an interface is one per namespace: the same name in two VRs' namespaces is two interfaces
                String ifKey = (place == null ? 0 : place.space()) + "/" + ifName;
                if (seenIf.containsKey(ifKey)) {
                    throw new IllegalArgumentException("port entry \"" + raw + "\": interface " + ifName + " is already mapped by \""
                            + seenIf.get(ifKey) + "\"");
                }
                seen.put(sp, raw);
                seenIf.put(ifKey, raw);
                if (place == null) {
                    ports.add(port(sp, ni, vrName));
                } else {
                    ports.add(port(sp, ni, place.vrName()));
                    places.put(sp, new DataPlaneModel.Place(place.space(), place.vrId(), DataPlaneModel.LinkState.of(ni)));
                }
            }
            source = "configuration";
        }
        Set<SlotPort> known = new LinkedHashSet<>();
        for (Port p : ports) {
            known.add(p.slotPort());
        }
        List<Vlan> vlans = new ArrayList<>();
        Map<String, String> names = new HashMap<>();
        Map<Integer, String> tags = new HashMap<>();
        Map<SlotPort, String> untaggedOwner = new HashMap<>();
        if (vlanEntries != null) {
            for (String raw : vlanEntries) {
                if (raw == null || raw.isBlank()) {
                    continue;
                }
                Vlan v = vlan(raw, known);
                if (names.containsKey(v.name())) {
                    throw new IllegalArgumentException("VLAN entry \"" + raw + "\": the name " + v.name() + " is already used by \""
                            + names.get(v.name()) + "\"");
                }
                if (tags.containsKey(v.tag())) {
                    throw new IllegalArgumentException("VLAN entry \"" + raw + "\": tag " + v.tag() + " is already used by \""
                            + tags.get(v.tag()) + "\"");
                }
                for (SlotPort sp : v.untagged()) {
                    if (untaggedOwner.containsKey(sp)) {
                        throw new IllegalArgumentException("VLAN entry \"" + raw + "\": port " + sp
                                + " is already an untagged member of \"" + untaggedOwner.get(sp) + "\" (a port is untagged in one VLAN at most)");
                    }
                    untaggedOwner.put(sp, raw);
                }
                names.put(v.name(), raw);
                tags.put(v.tag(), raw);
                vlans.add(v);
            }
        }
        return new DataPlaneModel(ports, vlans, vrName, vrId, source, places);
    }

    private static boolean allBlank(String[] a) {
        for (String s : a) {
            if (s != null && !s.isBlank()) {
                return false;
            }
        }
        return true;
    }

    private static Port port(SlotPort sp, NetInterface i, String vrName) {
        return Port.builder().slotPort(sp).ifName(i.name()).ifIndex(i.index()).mac(MacAddress.of(i.mac())).mtu(i.mtu())
                .vr(vrName).build();
    }

    static Vlan vlan(String raw, Set<SlotPort> known) {
        String name = null;
        Integer tag = null;
        Set<SlotPort> tagged = new LinkedHashSet<>();
        Set<SlotPort> untagged = new LinkedHashSet<>();
        for (String token : raw.strip().split("[\\s;]+")) {
            int eq = token.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("VLAN entry \"" + raw + "\": token \"" + token
                        + "\" is not key=value (expected name=foo tag=100 tagged=1:1,1:2 untagged=1:3)");
            }
            String key = token.substring(0, eq).toLowerCase(java.util.Locale.ROOT);
            String value = token.substring(eq + 1);
            switch (key) {
                case "name" -> {
                    if (!value.matches("[A-Za-z0-9_.-]{1,32}")) {
                        throw new IllegalArgumentException("VLAN entry \"" + raw + "\": name \"" + value
                                + "\" must be 1..32 of letters, digits, '_', '.', '-'");
                    }
                    name = value;
                }
                case "tag" -> {
                    // decimal only, no leading zero: Integer.decode read "010" as octal 8 and "0x64" as 100
                    int t;
                    try {
                        t = DataPlaneSettings.decimal(value);
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException("VLAN entry \"" + raw + "\": tag \"" + value + "\" " + e.getMessage(), e);
                    }
                    try {
                        tag = VlanId.check(t);
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException("VLAN entry \"" + raw + "\": " + e.getMessage(), e);
                    }
                }
                case "tagged", "untagged" -> {
                    Set<SlotPort> into = key.equals("tagged") ? tagged : untagged;
                    for (String p : value.split(",")) {
                        if (p.isBlank()) {
                            continue;
                        }
                        SlotPort sp;
                        try {
                            sp = SlotPort.parse(p);
                        } catch (IllegalArgumentException e) {
                            throw new IllegalArgumentException("VLAN entry \"" + raw + "\": " + e.getMessage(), e);
                        }
                        if (!known.contains(sp)) {
                            throw new IllegalArgumentException("VLAN entry \"" + raw + "\": unknown slot:port " + sp
                                    + " (the data plane's ports are " + known + ")");
                        }
                        into.add(sp);
                    }
                }
                default -> throw new IllegalArgumentException("VLAN entry \"" + raw + "\": unknown key \"" + key
                        + "\" (expected name, tag, tagged, untagged)");
            }
        }
        if (name == null) {
            throw new IllegalArgumentException("VLAN entry \"" + raw + "\" has no name=");
        }
        if (tag == null) {
            throw new IllegalArgumentException("VLAN entry \"" + raw + "\" has no tag=");
        }
        for (SlotPort sp : tagged) {
            if (untagged.contains(sp)) {
                throw new IllegalArgumentException("VLAN entry \"" + raw + "\": port " + sp + " is both tagged and untagged");
            }
        }
        return Vlan.of(name, tag, tagged, untagged);
    }
}
