package expkt.vr.internal;

import expkt.api.spi.ParkedAllVrServerSocket;
import expkt.api.spi.ParkedChannel;
import expkt.api.vr.AllVrServerSocket;
import expkt.api.vr.VirtualRouter;
import expkt.api.vr.VrBackend;

import java.io.IOException;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ALL}: one listening channel per distinct namespace (or VRF device), one selector over them. An
 * update of {@code expkt.vr} hands the channels and the selector to the next revision unclosed ({@link #park});
 * the next wraps the same ones, each channel for the VR it served: no descriptor is closed or made again.
 *
 * <p>Threading: {@link #accept} from one thread at a time; {@link #park} and {@link #close} from any thread
 * (they wake a pending accept, which then throws {@code ClosedChannelException}).
 */
final class AllVrServerSocketImpl implements AllVrServerSocket, SocketOwner.Owned {
    private final Map<VirtualRouter, ServerSocketChannel> channels;
    private final Selector selector;
    private final SocketOwner owner;
    private final VrSocketsImpl sockets;
    private final ProtocolFamily family;
    /** Changed under {@link #channels}' monitor: closed or parked, the channels no longer this object's to use. */
    private volatile boolean open = true;
    /** Guarded by {@link #channels}: parked for the next revision, so its close leaves the channels and selector open. */
    private boolean parked;
    private volatile SocketAddress bound;

    /** Over fresh {@code channels}, with a selector of its own; takes them: a failure here closes them all. */
    AllVrServerSocketImpl(VrSocketsImpl sockets, SocketOwner owner, Map<VirtualRouter, ServerSocketChannel> channels,
                          ProtocolFamily family) throws IOException {
        this(sockets, owner, channels, family, null);
    }

    /**
     * Over {@code channels} and {@code selector}: fresh ones (selector null: one is opened) or those a previous
     * revision parked ({@link #park}: the channels are registered with it already, each key's VR is set again).
     * Takes them: a failure here closes them all.
     */
    AllVrServerSocketImpl(VrSocketsImpl sockets, SocketOwner owner, Map<VirtualRouter, ServerSocketChannel> channels,
                          ProtocolFamily family, Selector parkedSelector) throws IOException {
        this.sockets = sockets;
        this.family = family;
        this.owner = owner;
        this.channels = Collections.unmodifiableMap(new LinkedHashMap<>(channels));
        Selector s = parkedSelector;
        try {
            if (s == null) {
                s = Selector.open();
            } else if (!s.isOpen()) {
                throw new java.nio.channels.ClosedSelectorException();
            }
            for (Map.Entry<VirtualRouter, ServerSocketChannel> e : channels.entrySet()) {
                SelectionKey key = e.getValue().keyFor(s);
                if (key != null && key.isValid()) {
                    key.attach(e.getKey());
                } else {
                    e.getValue().configureBlocking(false);
                    e.getValue().register(s, SelectionKey.OP_ACCEPT, e.getKey());
                }
            }
        } catch (IOException | RuntimeException e) {
            if (s != null) {
                s.close();
            }
            for (ServerSocketChannel c : channels.values()) {
                c.close();
            }
            throw e;
        }
        this.selector = s;
        // adopted channels are bound already: the listing says where (the wildcard and port bind was given)
        ServerSocketChannel first = channels.isEmpty() ? null : channels.values().iterator().next();
        this.bound = first == null ? null : first.getLocalAddress();
    }

    /**
     * Takes the listening channels and the selector out without closing them, for the next revision of this
     * bundle (an update): from now on this object is closed for its users (a pending {@code accept} is woken and
     * throws {@code ClosedChannelException}, as later calls do); returns once no accept of this object uses the
     * selector. The channels stay registered with it, open, with what connected queued in their backlogs. Null
     * if it was closed or parked already.
     */
    ParkedAllVrServerSocket park() {
        synchronized (channels) {
            if (!open) {
                return null;
            }
            open = false;
            parked = true;
        }
        owner.remove(this);
        selector.wakeup();
        synchronized (this) {
            // a pending accept holds this while it selects: from here on the selector is only the next revision's
        }
        List<ParkedChannel> out = new ArrayList<>();
        for (Map.Entry<VirtualRouter, ServerSocketChannel> e : channels.entrySet()) {
            out.add(new ParkedChannel("tcp-listen", e.getKey(), e.getValue(), family));
        }
        return new ParkedAllVrServerSocket(out, selector);
    }

    /** The groups ALL needs: one VR per distinct namespace inode or VRF device (highest id represents). */
    static List<VirtualRouter> oneVrPerKernelScope(VrTable table) {
        Map<Object, VirtualRouter> scopes = new LinkedHashMap<>();
        List<VirtualRouter> all = new ArrayList<>(table.list());
        Collections.reverse(all); // highest id first: it represents its namespace, as byNamespaceInode does
        for (VirtualRouter vr : all) {
            Object key;
            if (vr.backend() == VrBackend.VRF) {
                key = "vrf:" + vr.location();
            } else {
                long inode = VrTable.namespaceInode(vr);
                if (inode < 0) {
                    throw new IllegalArgumentException("cannot serve ALL VRs: VR " + vr.name() + " (id " + vr.id()
                            + "): network namespace \"" + VrTable.namespacePath(vr) + "\" does not exist");
                }
                key = inode;
            }
            scopes.putIfAbsent(key, vr);
        }
        List<VirtualRouter> out = new ArrayList<>(scopes.values());
        out.sort((a, b) -> Integer.compare(a.id(), b.id()));
        return out;
    }

    @Override
    public synchronized void bind(SocketAddress local, int backlog) throws IOException {
        check();
        for (Map.Entry<VirtualRouter, ServerSocketChannel> e : channels.entrySet()) {
            try {
                e.getValue().bind(local, backlog);
            } catch (IOException ex) {
                throw new IOException("cannot bind the ALL listening socket to " + local + " in VR " + e.getKey().name() + ": " + ex.getMessage(), ex);
            }
        }
        bound = local;
    }

    @Override
    public Map<VirtualRouter, ServerSocketChannel> channels() {
        return channels;
    }

    @Override
    public Accepted accept() throws IOException {
        return accept(Duration.ZERO);
    }

    @Override
    public synchronized Accepted accept(Duration timeout) throws IOException {
        check();
        long ms = timeout == null ? 0 : timeout.toMillis();
        long deadline = ms == 0 ? Long.MAX_VALUE : System.nanoTime() + ms * 1_000_000L;
        while (true) {
            check();
            long left = ms == 0 ? 0 : Math.max(1, (deadline - System.nanoTime()) / 1_000_000L);
            if (ms != 0 && System.nanoTime() >= deadline) {
                throw new SocketTimeoutException("no connection in any VR within " + ms + " ms");
            }
            selector.select(left);
            Iterator<SelectionKey> it = selector.selectedKeys().iterator();
            while (it.hasNext()) {
                SelectionKey k = it.next();
                it.remove();
                SocketChannel ch = ((ServerSocketChannel) k.channel()).accept();
                if (ch != null) {
                    ch.configureBlocking(true);
                    VirtualRouter vr = (VirtualRouter) k.attachment();
                    sockets.adopt("tcp-accepted", vr, ch);
                    return Accepted.of(vr, ch);
                }
            }
        }
    }

    private void check() throws ClosedChannelException {
        if (!open) {
            throw new ClosedChannelException();
        }
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public void close() throws IOException {
        owner.remove(this);
        synchronized (channels) {
            open = false;
            if (parked) {
                return; // the channels are the next revision's now
            }
        }
        selector.wakeup();
        IOException first = null;
        for (ServerSocketChannel c : channels.values()) {
            try {
                c.close();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        synchronized (this) {
            selector.close();
        }
        if (first != null) {
            throw first;
        }
    }

    @Override
    public String describe() {
        List<String> vrs = new ArrayList<>();
        for (VirtualRouter vr : channels.keySet()) {
            vrs.add(vr.name() + "(" + vr.id() + ")");
        }
        return "tcp-listen ALL " + vrs + (bound == null ? " unbound" : " bound to " + bound);
    }
}
