package expkt.vr.internal;

import expkt.api.vr.VirtualRouter;
import expkt.api.vr.VrBackend;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The VR registry's state, without OSGi: the built-in VRs (ids 0..2, locations configurable), user VRs
 * added from configuration (ids above 2), per-bundle affinity overrides from configuration, the host's
 * default VR, and the socket owners (for the gogo listing).
 *
 * <p>Validation happens here, so every error names the bad value: an unknown name or id, a duplicate
 * id or name, a reserved id, a malformed name. A rejected VR leaves the table unchanged.
 *
 * <p>Threading: every method is thread-safe; reads take a short lock over a small map.
 */
public final class VrTable {
    /** Where a namespace-backed VR with an empty location lives: the namespace the JVM started in. */
    public static final String HOST_NETNS = "/proc/self/ns/net";
    public static final String VRF_PREFIX = "vrf:";
    public static final int MAX_ID = 65535;
    private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]{0,31}");

    private final Map<Integer, VirtualRouter> byId = new TreeMap<>();
    private final Map<String, VirtualRouter> byName = new TreeMap<>();
    private final Map<String, String> affinityByBundle = new ConcurrentHashMap<>();
    private final Set<SocketOwner> owners = ConcurrentHashMap.newKeySet();
    /** Told after each user VR added or removed ({@link #onChange}). */
    private final List<Runnable> changeListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final VrfSupport vrf;
    private volatile String hostDefault = VirtualRouter.VR_MGMT_NAME;

    /**
     * @param vrf what the kernel offers (VRF-backed VRs are refused without it)
     */
    public VrTable(VrfSupport vrf) {
        this.vrf = vrf;
        setBuiltins("", "", "");
    }

    public VrfSupport vrfSupport() {
        return vrf;
    }

    /**
     * Sets where the built-in VRs live. Each location: empty (the host's own namespace), an
     * {@code ip netns} name, a namespace path, or {@code vrf:<device>}. A location that cannot be used
     * (VRF on a kernel without it) leaves that VR where it was; the others are applied. Returns the
     * errors, each naming the VR and the value (empty when all were applied).
     */
    public synchronized List<String> setBuiltins(String mgmt, String control, String dflt) {
        List<String> errors = new ArrayList<>();
        String[] names = {VirtualRouter.VR_MGMT_NAME, VirtualRouter.VR_CONTROL_NAME, VirtualRouter.VR_DEFAULT_NAME};
        String[] locations = {mgmt, control, dflt};
        for (int id = 0; id < 3; id++) {
            VirtualRouter vr;
            try {
                vr = builtin(id, names[id], locations[id]);
            } catch (IllegalArgumentException e) {
                errors.add(e.getMessage() + (byId.containsKey(id) ? "; it stays at " + describe(byId.get(id)) : "; it stays in the host namespace"));
                vr = byId.containsKey(id) ? byId.get(id) : VirtualRouter.of(id, names[id], VrBackend.NETNS, "");
            }
            byId.put(vr.id(), vr);
            byName.put(key(vr.name()), vr);
        }
        return errors;
    }

    private static String describe(VirtualRouter vr) {
        return vr.backend() == VrBackend.VRF ? "VRF device " + vr.location()
                : vr.location().isEmpty() ? "the host namespace" : "network namespace " + vr.location();
    }

    private VirtualRouter builtin(int id, String name, String location) {
        String loc = location == null ? "" : location.strip();
        if (loc.startsWith(VRF_PREFIX)) {
            String dev = loc.substring(VRF_PREFIX.length());
            checkVrf(name, dev.isEmpty() ? exosVrfDevice(id) : dev);
            return VirtualRouter.of(id, name, VrBackend.VRF, dev.isEmpty() ? exosVrfDevice(id) : dev);
        }
        return VirtualRouter.of(id, name, VrBackend.NETNS, loc);
    }

    /** EXOS 30+ names the VRF device of VR {@code id} {@code vrf_<256+id>}. */
    public static String exosVrfDevice(int id) {
        return "vrf_" + (256 + id);
    }

    private void checkVrf(String name, String device) {
        if (!vrf.supported()) {
            throw new IllegalArgumentException("VR " + name + " cannot use VRF device " + device + ": " + vrf.reason());
        }
    }

    /** The host's default VR name (from {@code expkt.vr.default}); checked when used, as user VRs may come later. */
    public void setHostDefault(String name) {
        if (name == null || name.isBlank()) {
            name = VirtualRouter.VR_MGMT_NAME;
        }
        if (name.strip().equalsIgnoreCase(VirtualRouter.ALL)) {
            throw new IllegalArgumentException("host default VR cannot be \"" + name + "\": ALL is only for listening sockets");
        }
        hostDefault = name.strip();
    }

    public String hostDefaultName() {
        return hostDefault;
    }

    public VirtualRouter hostDefault() {
        String name = hostDefault;
        VirtualRouter vr = find(name);
        if (vr == null) {
            throw new IllegalArgumentException("host default VR \"" + name + "\" (framework property expkt.vr.default) is not a known VR; known: "
                    + names());
        }
        return vr;
    }

    /**
     * Adds a user VR. The id must be above 2 (0..2 are the built-ins) and at most {@value #MAX_ID}; name
     * and id must be new. A VRF VR with an empty location gets EXOS's device name.
     */
    public VirtualRouter add(int id, String name, VrBackend backend, String location) {
        VirtualRouter vr = addLocked(id, name, backend, location);
        fireChanged();
        return vr;
    }

    private synchronized VirtualRouter addLocked(int id, String name, VrBackend backend, String location) {
        if (name == null || !NAME.matcher(name.strip()).matches()) {
            throw new IllegalArgumentException("VR name \"" + name + "\" must be a letter then up to 31 of [A-Za-z0-9_.-]");
        }
        String n = name.strip();
        if (n.equalsIgnoreCase(VirtualRouter.ALL)) {
            throw new IllegalArgumentException("VR name \"" + n + "\" is reserved: ALL means every VR");
        }
        if (id <= VirtualRouter.VR_DEFAULT || id > MAX_ID) {
            throw new IllegalArgumentException("VR " + n + ": id " + id + " is outside " + (VirtualRouter.VR_DEFAULT + 1) + ".." + MAX_ID
                    + " (0..2 are VR-Mgmt, VR-Control, VR-Default)");
        }
        VirtualRouter sameId = byId.get(id);
        if (sameId != null) {
            throw new IllegalArgumentException("duplicate VR id " + id + ": VR " + sameId.name() + " already has it, so VR " + n + " is ignored");
        }
        VirtualRouter sameName = byName.get(key(n));
        if (sameName != null) {
            throw new IllegalArgumentException("duplicate VR name " + n + ": VR id " + sameName.id() + " already has it, so id " + id + " is ignored");
        }
        VrBackend b = backend == null ? VrBackend.NETNS : backend;
        String loc = location == null ? "" : location.strip();
        if (b == VrBackend.VRF) {
            loc = loc.isEmpty() ? exosVrfDevice(id) : loc;
            checkVrf(n, loc);
        } else if (loc.isEmpty()) {
            throw new IllegalArgumentException("VR " + n + " (id " + id + "): no network namespace given (an ip netns name or a path)");
        }
        VirtualRouter vr = VirtualRouter.of(id, n, b, loc);
        byId.put(id, vr);
        byName.put(key(n), vr);
        return vr;
    }

    /** Removes a user VR (built-ins stay); true if it was there. */
    public boolean remove(VirtualRouter vr) {
        boolean removed = removeLocked(vr);
        if (removed) {
            fireChanged();
        }
        return removed;
    }

    /**
     * Calls {@code listener} after every user VR added or removed, on the thread that changed the
     * table, outside the table's lock; a listener must not block (the provider hands the work to a
     * thread of its own). The returned handle stops the calls.
     */
    public AutoCloseable onChange(Runnable listener) {
        if (listener == null) {
            throw new IllegalArgumentException("listener is null");
        }
        changeListeners.add(listener);
        return () -> changeListeners.remove(listener);
    }

    private void fireChanged() {
        for (Runnable r : changeListeners) {
            try {
                r.run();
            } catch (RuntimeException e) {
                // a listener's fault must not undo or hide the change: the table is already changed
                System.getLogger(VrTable.class.getName()).log(System.Logger.Level.ERROR, "VR change listener " + r + " failed", e);
            }
        }
    }

    private synchronized boolean removeLocked(VirtualRouter vr) {
        if (vr.id() <= VirtualRouter.VR_DEFAULT) {
            return false;
        }
        if (!vr.equals(byId.get(vr.id()))) {
            return false;
        }
        byId.remove(vr.id());
        byName.remove(key(vr.name()));
        return true;
    }

    public synchronized VirtualRouter find(String name) {
        return name == null ? null : byName.get(key(name.strip()));
    }

    /** The VR of that name (case-insensitive, as EXOS CLI names are); unknown: an error naming it. */
    public VirtualRouter byName(String name) {
        if (name == null) {
            throw new IllegalArgumentException("VR name is null");
        }
        if (name.strip().equalsIgnoreCase(VirtualRouter.ALL)) {
            throw new IllegalArgumentException("VR \"" + name + "\" means every VR: only a listening socket serves ALL (VrSockets.serverSocketAllVrs)");
        }
        VirtualRouter vr = find(name);
        if (vr == null) {
            throw new IllegalArgumentException("unknown VR \"" + name + "\"; known: " + names());
        }
        return vr;
    }

    public synchronized VirtualRouter byId(int id) {
        VirtualRouter vr = byId.get(id);
        if (vr == null) {
            throw new IllegalArgumentException("unknown VR id " + id + "; known: " + byId.keySet());
        }
        return vr;
    }

    public synchronized List<VirtualRouter> list() {
        return List.copyOf(byId.values());
    }

    private synchronized List<String> names() {
        List<String> n = new ArrayList<>();
        for (VirtualRouter vr : byId.values()) {
            n.add(vr.name());
        }
        return n;
    }

    /** The path of a namespace-backed VR's namespace. */
    public static String namespacePath(VirtualRouter vr) {
        String loc = vr.location();
        if (loc == null || loc.isEmpty()) {
            return HOST_NETNS;
        }
        return loc.contains("/") ? loc : "/run/netns/" + loc;
    }

    /** The inode of a namespace-backed VR's namespace, or -1 if it is gone. */
    public static long namespaceInode(VirtualRouter vr) {
        try {
            return ((Number) Files.getAttribute(Path.of(namespacePath(vr)), "unix:ino")).longValue();
        } catch (IOException | UnsupportedOperationException e) {
            return -1;
        }
    }

    /** The namespace-backed VR whose namespace has that inode; the highest id wins when several share it. */
    public Optional<VirtualRouter> byNamespaceInode(long inode) {
        List<VirtualRouter> all = list();
        for (int i = all.size() - 1; i >= 0; i--) {
            VirtualRouter vr = all.get(i);
            if (vr.backend() == VrBackend.NETNS && namespaceInode(vr) == inode) {
                return Optional.of(vr);
            }
        }
        return Optional.empty();
    }

    /** A configuration override of a bundle's VR (wins over its manifest header). */
    public void setAffinity(String bundleSymbolicName, String vrName) {
        if (bundleSymbolicName == null || bundleSymbolicName.isBlank()) {
            throw new IllegalArgumentException("VR affinity configuration names no bundle (bundle.symbolicName is \"" + bundleSymbolicName + "\")");
        }
        if (vrName == null || vrName.isBlank() || vrName.strip().equalsIgnoreCase(VirtualRouter.ALL)) {
            throw new IllegalArgumentException("VR affinity of bundle " + bundleSymbolicName + ": \"" + vrName + "\" is not a VR name");
        }
        String prev = affinityByBundle.putIfAbsent(bundleSymbolicName.strip(), vrName.strip());
        if (prev != null) {
            throw new IllegalArgumentException("duplicate VR affinity for bundle " + bundleSymbolicName + ": already " + prev + ", so " + vrName + " is ignored");
        }
    }

    public void clearAffinity(String bundleSymbolicName, String vrName) {
        affinityByBundle.remove(bundleSymbolicName.strip(), vrName.strip());
    }

    /**
     * The VR of a bundle: configuration first, then its manifest header value, then the host default.
     * An unknown VR name is an error naming the bundle, where the name came from and the name.
     */
    public VirtualRouter affinity(String bundleSymbolicName, String manifestVr) {
        String configured = bundleSymbolicName == null ? null : affinityByBundle.get(bundleSymbolicName);
        if (configured != null) {
            VirtualRouter vr = find(configured);
            if (vr == null) {
                throw new IllegalArgumentException("bundle " + bundleSymbolicName + " is configured (expkt.vr.affinity) for VR \""
                        + configured + "\", which is not a known VR; known: " + names());
            }
            return vr;
        }
        if (manifestVr != null && !manifestVr.isBlank()) {
            VirtualRouter vr = find(manifestVr);
            if (vr == null) {
                throw new IllegalArgumentException("bundle " + bundleSymbolicName + " declares " + VrHeaders.VIRTUAL_ROUTER + ": "
                        + manifestVr + ", which is not a known VR; known: " + names());
            }
            return vr;
        }
        return hostDefault();
    }

    public void addOwner(SocketOwner owner) {
        owners.add(owner);
    }

    public void removeOwner(SocketOwner owner) {
        owners.remove(owner);
    }

    public List<SocketOwner> owners() {
        return List.copyOf(owners);
    }

    private static String key(String name) {
        return name.toLowerCase(Locale.ROOT);
    }
}
