package expkt.provider.socket;

import expkt.api.packet.Filter;
import expkt.api.packet.Port;
import expkt.linux.PacketSockets;
import expkt.provider.bpf.BpfCompiler;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

/**
 * The filters of one packet socket and what the kernel holds for them: the socket's classic BPF
 * program (all its filters OR-ed) and the nftables rules named after each filter, claimed in the
 * engine's {@link FilterRegistry}. Installs a filter as one step with rollback, removes them all, and
 * re-installs them after the data plane's ports or the socket's VR changed. The socket's VR
 * ({@code SO_VRID}) lives here because it decides the ports the filters apply to.
 *
 * <p>Threading: every change under the socket's filter lock (given to the constructor, held by the
 * socket also while it closes); never on the receive path. {@link #list()} and {@link #vrId()} read
 * without the lock.
 */
final class SocketFilters {
    private final L2Engine engine;
    private final PacketSocketImpl socket;
    private final int fd;
    private final Object filterLock;
    private final BooleanSupplier open;
    private final List<Filter> filters = new CopyOnWriteArrayList<>();
    private volatile int vrId = -1;

    SocketFilters(L2Engine engine, PacketSocketImpl socket, int fd, Object filterLock, BooleanSupplier open) {
        this.engine = engine;
        this.socket = socket;
        this.fd = fd;
        this.filterLock = filterLock;
        this.open = open;
    }

    private void ensureOpen() throws ClosedChannelException {
        if (!open.getAsBoolean()) {
            throw new ClosedChannelException();
        }
    }

    /** Adds {@code filter}: claims its name, adds its nft rules, attaches the new BPF program; undoes all on failure. */
    void setup(Filter filter) throws IOException {
        if (filter == null) {
            throw new IllegalArgumentException("filter is null");
        }
        synchronized (filterLock) {
            ensureOpen();
            List<Port> ports = engine.portsOf(filter, vrId);
            engine.registry().claim(filter, socket);
            boolean rulesAdded = false;
            try {
                engine.prepare(filter, ports);
                List<Filter> next = new ArrayList<>(filters);
                next.add(filter);
                long[] program = engine.compile(next, vrId);
                engine.addRules(filter, ports);
                rulesAdded = true;
                PacketSockets.attachFilter(fd, program);
                filters.add(filter);
            } catch (IOException | RuntimeException e) {
                if (rulesAdded) {
                    engine.removeRulesQuietly(List.of(filter.name()));
                }
                engine.registry().release(filter.name(), socket);
                throw e;
            }
        }
    }

    /** The filters set now. */
    List<Filter> list() {
        return List.copyOf(filters);
    }

    /** Removes every filter of an open socket. */
    void remove() throws IOException {
        synchronized (filterLock) {
            ensureOpen();
            drop();
        }
    }

    /**
     * Removes every filter: a reject-all BPF program first (the socket takes nothing more), then the
     * nft rules, then the names. The caller holds the filter lock.
     */
    void drop() throws IOException {
        if (filters.isEmpty()) {
            return;
        }
        List<String> names = new ArrayList<>();
        for (Filter f : filters) {
            names.add(f.name());
        }
        try {
            PacketSockets.attachFilter(fd, BpfCompiler.REJECT_ALL);
        } finally {
            filters.clear();
            try {
                engine.removeRules(names);
            } finally {
                for (String n : names) {
                    engine.registry().release(n, socket);
                }
            }
        }
    }

    /** Re-installs the BPF program and nft rules after the data plane's ports changed. */
    void reapply() throws IOException {
        synchronized (filterLock) {
            if (!open.getAsBoolean() || filters.isEmpty()) {
                return;
            }
            List<String> names = new ArrayList<>();
            for (Filter f : filters) {
                names.add(f.name());
            }
            engine.removeRules(names);
            for (Filter f : filters) {
                List<Port> ports = engine.portsOf(f, vrId);
                engine.prepare(f, ports);
                engine.addRules(f, ports);
            }
            PacketSockets.attachFilter(fd, engine.compile(filters, vrId));
        }
    }

    /** The socket's VR id ({@code SO_VRID}); -1: the data plane's VR. */
    int vrId() {
        return vrId;
    }

    /** Moves the socket's filters to VR {@code value} (-1: the data plane's); keeps the old VR if that fails. */
    void vrId(int value) throws IOException {
        synchronized (filterLock) {
            if (value != -1) {
                engine.vrScope().byId(value); // throws naming an unknown id
            }
            int old = vrId;
            vrId = value;
            try {
                reapply();
            } catch (IOException | RuntimeException e) {
                vrId = old;
                throw e;
            }
        }
    }
}
