package expkt.provider.socket;

import expkt.api.packet.Filter;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Filter names are unique across the host (they name nftables rules and access-list entries): this
 * registry hands a name to one socket at a time.
 *
 * <p>Threading: thread-safe.
 */
public final class FilterRegistry {
    /** One registered filter. */
    public record Entry(Filter filter, PacketSocketImpl socket) {
    }

    private final ConcurrentHashMap<String, Entry> byName = new ConcurrentHashMap<>();

    /** Claims the name for {@code socket}; a taken name gives an IllegalArgumentException naming the owner. */
    public void claim(Filter filter, PacketSocketImpl socket) {
        Entry e = new Entry(filter, socket);
        Entry prev = byName.putIfAbsent(filter.name(), e);
        if (prev != null) {
            throw new IllegalArgumentException("filter name \"" + filter.name() + "\" is already used by "
                    + prev.socket().ownerName() + " on socket #" + prev.socket().id()
                    + (prev.socket().isParked() ? " (parked for the next revision of its bundle, " + prev.socket().parkedMillis()
                    + " ms so far)" : "") + "; filter names are unique across the host");
        }
    }

    /** The name passes from {@code from} to {@code to} (a parked socket's kernel part adopted by the next revision). */
    public void rebind(String name, PacketSocketImpl from, PacketSocketImpl to) {
        byName.computeIfPresent(name, (k, v) -> v.socket() == from ? new Entry(v.filter(), to) : v);
    }

    public void release(String name, PacketSocketImpl socket) {
        byName.computeIfPresent(name, (k, v) -> v.socket() == socket ? null : v);
    }

    /** Every filter, by name. */
    public List<Entry> entries() {
        List<Entry> l = new ArrayList<>(byName.values());
        l.sort(Comparator.comparing(e -> e.filter().name()));
        return l;
    }

    public Entry get(String name) {
        return byName.get(name);
    }
}
