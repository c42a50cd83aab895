package expkt.provider.socket;

import expkt.api.packet.Expkt;
import expkt.api.packet.PacketSelector;
import expkt.api.packet.PacketService;
import expkt.api.packet.PacketSocket;
import expkt.api.packet.RxMode;
import expkt.api.packet.Port;
import expkt.api.packet.Vlan;
import expkt.api.spi.BundleIdentity;
import expkt.api.spi.EngineSession;
import expkt.provider.select.PacketSelectorImpl;

import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/**
 * The {@link PacketService} one owner (bundle) gets: every socket it opens is recorded as that owner's,
 * and {@link #release()} closes them all, with their filters and kernel rules, whether or not the
 * owner's code closed them.
 *
 * <p>Threading: thread-safe.
 */
public final class OwnedPacketService implements EngineSession {
    private final L2Engine engine;
    private final BundleIdentity owner;
    private volatile boolean released;
    private final Set<PacketSelectorImpl> selectors = ConcurrentHashMap.newKeySet();

    /** True while the owner's bundle is STOPPING to start again (an update, a refresh): a socket it closes then is parked. */
    private final BooleanSupplier ownerStopping;

    /** For an owner whose sockets are never parked (outside OSGi: nothing updates it). */
    public OwnedPacketService(L2Engine engine, BundleIdentity owner) {
        this(engine, owner, null);
    }

    /**
     * @param ownerStopping true while the owner's bundle is STOPPING to start again (an update, a refresh): a socket closed
     *     then, by its code or by {@link #release()}, is parked for the bundle's next revision (see
     *     {@link PacketSocketImpl#close(long)} and README-handlers.md); null: never parked
     */
    public OwnedPacketService(L2Engine engine, BundleIdentity owner, BooleanSupplier ownerStopping) {
        this.engine = engine;
        this.owner = owner;
        this.ownerStopping = ownerStopping;
    }

    public BundleIdentity owner() {
        return owner;
    }

    @Override
    public PacketSocket socket(int domain, int type, int protocol) throws IOException {
        if (domain != Expkt.PF_EXOS_PACKET) {
            throw new IllegalArgumentException("socket domain " + domain + " is not supported: use PF_EXOS_PACKET ("
                    + Expkt.PF_EXOS_PACKET + ")");
        }
        if (type != Expkt.SOCK_RAW) {
            throw new IllegalArgumentException("socket type " + type + " is not supported: use SOCK_RAW (" + Expkt.SOCK_RAW + ")");
        }
        if (protocol != Expkt.htons(Expkt.ETH_P_ALL)) {
            throw new IllegalArgumentException("socket protocol 0x" + Integer.toHexString(protocol)
                    + " is not supported: use htons(ETH_P_ALL) = 0x" + Integer.toHexString(Expkt.htons(Expkt.ETH_P_ALL))
                    + " (filters select the frames)");
        }
        return open();
    }

    @Override
    public PacketSocket open() throws IOException {
        return open(RxMode.THROUGHPUT);
    }

    @Override
    public PacketSocket open(RxMode mode) throws IOException {
        if (mode == null) {
            throw new IllegalArgumentException("receive mode is null (THROUGHPUT or LATENCY)");
        }
        if (released) {
            throw new IllegalStateException("the packet service of " + owner.withVersion() + " was released (the bundle stopped)");
        }
        PacketSocketImpl s = engine.open(owner, mode);
        s.ownerStopping(ownerStopping);
        if (released) {
            s.close();
            throw new IllegalStateException("the packet service of " + owner.withVersion() + " was released (the bundle stopped)");
        }
        return s;
    }

    @Override
    public long handoverToken(PacketSocket socket) {
        return socket instanceof PacketSocketImpl s && s.owner().equals(owner) && !s.isHandlerSocket() ? s.handoverToken() : 0;
    }

    @Override
    public PacketSocket adopt(long token, RxMode mode) throws IOException {
        if (mode == null) {
            throw new IllegalArgumentException("receive mode is null (THROUGHPUT or LATENCY)");
        }
        if (released) {
            throw new IllegalStateException("the packet service of " + owner.withVersion() + " was released (the bundle stopped)");
        }
        PacketSocketImpl s = engine.adopt(owner, token, mode);
        s.ownerStopping(ownerStopping);
        if (released) {
            s.close();
            throw new IllegalStateException("the packet service of " + owner.withVersion() + " was released (the bundle stopped)");
        }
        return s;
    }

    @Override
    public PacketSelector selector() throws IOException {
        if (released) {
            throw new IllegalStateException("the packet service of " + owner.withVersion() + " was released (the bundle stopped)");
        }
        PacketSelectorImpl sel = new PacketSelectorImpl(owner.withVersion(), selectors::remove);
        selectors.add(sel);
        if (released) {
            sel.close();
            throw new IllegalStateException("the packet service of " + owner.withVersion() + " was released (the bundle stopped)");
        }
        return sel;
    }

    /** The owner's open selectors. */
    public int selectorCount() {
        return selectors.size();
    }

    @Override
    public List<Port> ports() {
        return engine.model().ports();
    }

    @Override
    public List<Vlan> vlans() {
        return engine.model().vlans();
    }

    /**
     * Closes every socket of the owner; returns how many were still open. While the owner's bundle is
     * STOPPING, they are parked for its next revision instead (their kernel part kept for the grace period).
     */
    @Override
    public int release() {
        released = true;
        for (PacketSelectorImpl sel : List.copyOf(selectors)) {
            sel.close(); // wakes a select blocked in the owner's thread; waits for nothing
        }
        return engine.closeAll(owner);
    }
}
