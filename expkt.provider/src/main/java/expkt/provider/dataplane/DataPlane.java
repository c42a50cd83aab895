package expkt.provider.dataplane;

import expkt.linux.Epoll;
import expkt.linux.Fds;
import expkt.linux.LinkEvents;
import expkt.linux.LinuxException;
import expkt.linux.NetInterfaces;
import expkt.linux.NetInterfaces.NetInterface;
import expkt.linux.NetNs;
import expkt.linux.NetNsThread;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The data-plane namespace and its current {@link DataPlaneModel}. Owns a platform thread inside the
 * namespace ({@link #call}) on which sockets are opened, interfaces listed and nftables driven.
 *
 * <p>{@link #configure} re-reads the interfaces and applies a new port/VLAN configuration; a bad one
 * throws (naming the entry) and the previous model stays in force. Listeners hear of every accepted
 * configuration.
 *
 * <p>Ports are opt-in: in the host's own namespace (no {@code expkt.dataplane.netns}) only the
 * interfaces of a configured port list are ports; without one there is no port at all (the model's
 * {@link DataPlaneModel#source()} says so). A named data-plane namespace without a port list numbers
 * its interfaces 1:1..1:N: that namespace was handed to the host whole.
 *
 * <p>Links are followed: a thread of its own ({@code expkt-links-<ns>}) waits for the kernel's link
 * notifications ({@link LinkEvents}, RTM_NEWLINK / RTM_DELLINK) of the data plane's namespace and of
 * every VR namespace with ports, and re-reads the interfaces after each burst of them. A change of a
 * port's MTU or link state makes a new model heard by the link listeners ({@link #addLinkListener}); a
 * change of the ports themselves (an interface came or went, a MAC changed) is heard by every
 * listener, as a configuration is.
 *
 * <p>VR namespaces: a port entry naming a VR ({@code 2:1=p1 vr=VR-A}) puts the port in that VR's
 * namespace, which the {@link VrLocator} (the VR registry, set by the provider) names. Each such
 * namespace becomes a <em>space</em> (index 1, 2, ... in the order they are first needed; 0 is the data
 * plane's own namespace), with a thread of its own ({@link #call(int, Callable)}) and the namespace's
 * {@link DataPlaneLock} (one host per namespace: a namespace another host manages refuses the
 * configuration, naming that host). A space stays open until the data plane closes. Each space also
 * gets a link-notification socket, opened in its namespace when the space is made (before its first
 * listing, so no change between the two is missed), and added to the link thread's epoll set: <b>one</b>
 * link thread follows every namespace, not one thread per namespace, because a re-read is of every
 * namespace anyway (the model is one, rebuilt whole under this object's monitor): one thread
 * coalesces a burst that spans namespaces (a veth pair between two VRs, a punt link and its port) into
 * one re-read instead of one per namespace's thread, each re-reading all, and costs one thread and one
 * 100 ms wake-up slice whatever the number of VRs.
 *
 * <p>Threading: {@link #model()} is a volatile read, safe from any thread; {@link #configure} and the
 * link thread's re-reads are serialised. Listeners run on the thread that made the model (the
 * configuring thread or the link thread). {@link #close} stops the link thread with a deadline.
 */
public final class DataPlane implements AutoCloseable {
    /** What {@link DataPlaneModel#source()} says when the host has no port (opt-in). */
    public static final String NO_PORTS = "no port: neither a data-plane namespace (framework property expkt.dataplane.netns, "
            + "./expkt host --netns) nor a port list (ports of configuration expkt.dataplane) is configured";
    /** How long {@link #close} waits for the link thread to finish what it is doing. */
    static final long LINK_THREAD_STOP_MILLIS = 3000;

    private final String netnsName;
    private final NetNs netns;
    private final NetNsThread thread;
    private final long inode;
    private volatile String vrName;
    private volatile int vrId;
    private final List<Consumer<DataPlaneModel>> listeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<DataPlaneModel>> linkListeners = new CopyOnWriteArrayList<>();
    private volatile DataPlaneModel model;
    /**
     * The model once its listeners ran (punt links, nft chains and tables of its ports made, filters
     * re-applied): what {@link #servedModel()} shows. {@link #model} is published before the listeners,
     * which read it; this one after, so that nobody is shown a port the engine does not serve yet.
     */
    private volatile DataPlaneModel served;
    private volatile String lastError;
    private volatile String linkError;
    private volatile long linkUpdates;
    private final LinkEvents linkEvents;
    /**
     * The link thread's epoll set: the data plane's link socket (data 0) and each space's (data: its
     * index). Added to under {@code spaces}' monitor; closed, with every space's link socket, by the link
     * thread when it ends (under the same monitor, after which no space subscribes: {@link #linksClosed}).
     */
    private final int linkEpoll;
    /** The eventfd in {@link #linkEpoll} that {@link #close} signals (epoll data {@link #WAKE_TAG}, no space's index). */
    private final int linkWake;
    private static final int WAKE_TAG = Integer.MAX_VALUE;
    private boolean linksClosed;
    /**
     * The link-notification socket of each space by index (0: {@link #linkEvents}; null where the link
     * thread had ended when the space was made). Never cleared: the link thread reads and closes them
     * when it ends, which may be after {@link #close} has given up waiting for it.
     */
    private final List<LinkEvents> linkSockets = new CopyOnWriteArrayList<>();
    private final Thread linkThread;
    /** How many ready link sockets one epoll_wait of the link thread takes. */
    private static final int LINK_EVENTS_MAX = 16;
    /** Where unicast MACs are (the kernel's bridge FDB and the provider's own learning), for VLAN sends that forward. */
    private final Fdb fdb;
    private volatile boolean stopping;
    private String[] portEntries = new String[0];
    /** Where VRs named in port entries live; null: only the data plane's own VR is known. */
    private volatile VrLocator vrLocator;
    /** Spaces 1..n (index 0 is null: the data plane's own namespace is this object's fields). */
    private final List<Space> spaces = new CopyOnWriteArrayList<>(java.util.Collections.singletonList(null));

    /** Where a VR is: its canonical name, id and network namespace ({@code ip netns} name or path; empty: the host's own). */
    public record VrLocation(String name, int id, String netns) {
    }

    /** Finds a VR by name (the VR registry); an unknown name, or a VR that is not a namespace, throws IllegalArgumentException naming it. */
    public interface VrLocator {
        VrLocation locate(String vrName);
    }

    /** A VR namespace with ports: its thread and the lock that makes it this host's (its link socket: {@link #linkSockets}). */
    private record Space(int index, String location, NetNs ns, NetNsThread thread, long inode, DataPlaneLock lock) {
        void close() {
            thread.close();
            ns.close();
            lock.close();
        }
    }
    private String[] vlanEntries = new String[0];

    /**
     * @param netnsName {@code ip netns} name or path of the data-plane namespace; null or empty: this
     *        process's own namespace
     */
    public DataPlane(String netnsName, String vrName, int vrId) throws IOException {
        this.netnsName = netnsName == null || netnsName.isBlank() ? "" : netnsName.strip();
        this.vrName = vrName;
        this.vrId = vrId;
        this.netns = this.netnsName.isEmpty() ? null : NetNs.open(this.netnsName);
        NetNsThread t = null;
        LinkEvents events = null;
        int epoll = -1;
        int wake = -1;
        try {
            t = new NetNsThread("expkt-dataplane" + (this.netnsName.isEmpty() ? "" : "-" + this.netnsName), netns);
            this.thread = t;
            this.inode = call(NetNs::currentInode);
            // subscribe before the first listing, so that no change between the two is missed
            events = call(LinkEvents::open);
            this.linkEvents = events;
            epoll = Epoll.create();
            this.linkEpoll = epoll;
            linkSockets.add(events);
            watchLinks(events, 0);
            // close() wakes the link thread at once instead of waiting out its 100 ms slice: a provider update
            // waits for this thread, and frames queue unread in the parked rings meanwhile
            wake = Epoll.eventfd();
            this.linkWake = wake;
            try (Arena a = Arena.ofConfined()) {
                Epoll.ctl(epoll, Epoll.EPOLL_CTL_ADD, wake, Epoll.EPOLLIN, WAKE_TAG, a.allocate(Epoll.EVENT_SIZE, 8));
            }
            this.model = call(() -> build(NetInterfaces.list(), portEntries, vlanEntries, vrName, vrId));
            this.served = this.model;
            this.linkThread = Thread.ofPlatform().daemon().name("expkt-links" + (this.netnsName.isEmpty() ? "" : "-" + this.netnsName))
                    .start(this::followLinks);
            this.fdb = Fdb.open(this);
        } catch (Exception e) {
            if (events != null) {
                events.close();
            }
            if (epoll >= 0) {
                Fds.closeQuietly(epoll);
            }
            if (wake >= 0) {
                Fds.closeQuietly(wake);
            }
            if (t != null) {
                t.close();
            }
            if (netns != null) {
                netns.close();
            }
            if (e instanceof IOException io) {
                throw io;
            }
            if (e instanceof RuntimeException r) {
                throw r;
            }
            throw new IOException("cannot read the interfaces of the data-plane namespace " + describeNamespace() + ": " + e, e);
        }
    }

    /**
     * The model of these interfaces and entries: the parser's, except that the host's own namespace
     * without a port list has no port (opt-in); with each port's link state.
     */
    private DataPlaneModel build(List<NetInterface> interfaces, String[] ports, String[] vlans, String vrName, int vrId) {
        if (netnsName.isEmpty() && blank(ports)) {
            return DataPlaneConfigParser.build(List.of(), ports, vlans, vrName, vrId).withSource(NO_PORTS, interfaces);
        }
        VrLocator locator = vrLocator;
        DataPlaneConfigParser.VrPorts vrPorts = locator == null ? DataPlaneConfigParser.onlyOwnVr(vrName) : name -> place(locator, name);
        return DataPlaneConfigParser.build(interfaces, ports, vlans, vrName, vrId, vrPorts).withLinks(interfaces);
    }

    /** The place of a VR named in a port entry: its namespace's space (opened on first use) and interfaces. */
    private DataPlaneConfigParser.VrSpace place(VrLocator locator, String name) {
        VrLocation loc = locator.locate(name);
        if (loc == null) {
            throw new IllegalArgumentException("unknown VR \"" + name + "\"");
        }
        try {
            int space = space(loc);
            List<NetInterface> interfaces = space == 0 ? NetInterfaces.list() : call(space, NetInterfaces::list);
            return new DataPlaneConfigParser.VrSpace(loc.name(), loc.id(), space, interfaces);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("VR " + loc.name() + " (namespace \"" + loc.netns() + "\"): " + e.getMessage(), e);
        } catch (Exception e) {
            throw new IllegalArgumentException("VR " + loc.name() + ": its namespace \"" + loc.netns() + "\" cannot be used: " + e.getMessage(), e);
        }
    }

    /** The space of a VR's namespace: 0 if it is the data plane's, else the one opened for it (now, if needed). */
    private int space(VrLocation loc) throws IOException {
        String location = loc.netns() == null ? "" : loc.netns().strip();
        synchronized (spaces) {
            for (Space sp : spaces) {
                if (sp != null && sp.location().equals(location)) {
                    return sp.index();
                }
            }
            // empty: the namespace the JVM started in (its main thread's), as expkt.vr reads an empty location;
            // not this thread's, which is the data plane's
            NetNs ns = NetNs.open(location.isEmpty() ? "/proc/self/ns/net" : location);
            long ino = ns.inode();
            if (ino == inode) {
                ns.close();
                return 0;
            }
            for (Space sp : spaces) {
                if (sp != null && sp.inode() == ino) {
                    ns.close();
                    return sp.index();
                }
            }
            DataPlaneLock lock;
            try {
                lock = DataPlaneLock.acquire(ino, "of VR " + loc.name() + " (" + (location.isEmpty() ? "the host's own namespace" : location) + ")");
            } catch (IOException e) {
                ns.close();
                throw new IllegalArgumentException(e.getMessage(), e);
            }
            int index = spaces.size();
            NetNsThread t;
            LinkEvents events = null;
            try {
                t = new NetNsThread("expkt-dataplane-vr" + index + (location.isEmpty() ? "" : "-" + location), ns);
            } catch (IOException | RuntimeException e) {
                lock.close();
                ns.close();
                throw e;
            }
            if (!linksClosed) {
                // subscribed in the VR's namespace before its first listing (the caller's), so no change between them is missed
                try {
                    events = t.call(LinkEvents::open);
                    watchLinks(events, index);
                } catch (Exception e) {
                    if (events != null) {
                        events.close();
                    }
                    t.close();
                    lock.close();
                    ns.close();
                    throw new IOException("cannot follow the links of VR " + loc.name() + "'s namespace: " + e.getMessage(), e);
                }
            }
            linkSockets.add(events); // index == space: both lists grow together under this monitor
            spaces.add(new Space(index, location, ns, t, ino, lock));
            return index;
        }
    }

    /** Adds a link-notification socket to the link thread's epoll set, tagged with its space. */
    private void watchLinks(LinkEvents events, int space) throws LinuxException {
        try (Arena a = Arena.ofConfined()) {
            Epoll.ctl(linkEpoll, Epoll.EPOLL_CTL_ADD, events.fd(), Epoll.EPOLLIN, space, a.allocate(Epoll.EVENT_SIZE, 8));
        }
    }

    /**
     * Sets where the VRs named in port entries live (null: only the data plane's own VR is known). Takes
     * effect at the next configuration or {@link #refresh()}.
     */
    public void vrLocator(VrLocator locator) {
        this.vrLocator = locator;
    }

    /** Runs {@code task} on the thread of space {@code space} (0: the data plane's own namespace thread). */
    public <T> T call(int space, Callable<T> task) throws Exception {
        if (space == 0) {
            return call(task);
        }
        return spaceOf(space).thread().call(task);
    }

    private Space spaceOf(int space) {
        Space sp = space > 0 && space < spaces.size() ? spaces.get(space) : null;
        if (sp == null) {
            throw new IllegalArgumentException("no data-plane space " + space + " (spaces: 0.." + (spaces.size() - 1) + ")");
        }
        return sp;
    }

    /** The namespace of space {@code space}, for messages. */
    public String describeSpace(int space) {
        return space == 0 ? describeNamespace() : spaceOf(space).location().isEmpty() ? "(the host's own namespace)" : spaceOf(space).location();
    }

    /** The inode of space {@code space}'s namespace. */
    public long spaceInode(int space) {
        return space == 0 ? inode : spaceOf(space).inode();
    }

    private static boolean blank(String[] entries) {
        if (entries != null) {
            for (String e : entries) {
                if (e != null && !e.isBlank()) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Runs {@code task} on the namespace thread. */
    public <T> T call(Callable<T> task) throws Exception {
        return thread.call(task);
    }

    public boolean isNamespaceThread() {
        return thread.isCurrentThread();
    }

    public DataPlaneModel model() {
        return model;
    }

    /**
     * The model whose ports are served: published after a change's listeners ran, so a port shown here
     * has its punt link and rules (a filter set up after seeing it here does not find them missing).
     * What the runtime DTOs and {@code expkt:} commands show; {@link #model()} is what is being applied.
     */
    public DataPlaneModel servedModel() {
        return served;
    }

    /** The data plane's forwarding database (see {@link Fdb}). */
    public Fdb fdb() {
        return fdb;
    }

    /** The last error of following the links (re-reading the interfaces after a notification), or null. */
    public String linkError() {
        return linkError;
    }

    /** How many times a link notification changed the model (for tests and expkt:ports). */
    public long linkUpdates() {
        return linkUpdates;
    }

    /** The last configuration error, or null if the last configuration was accepted. */
    public String lastError() {
        return lastError;
    }

    public String describeNamespace() {
        return netnsName.isEmpty() ? "(the host's own namespace)" : netnsName;
    }

    public String vrName() {
        return vrName;
    }

    public int vrId() {
        return vrId;
    }

    /** The namespace's inode (how the VR registry names a namespace). */
    public long namespaceInode() {
        return inode;
    }

    /** Changes the VR the data plane is (when the VR registry comes or goes) and rebuilds the model. */
    public synchronized void vr(String name, int id) throws IOException {
        if (name.equals(vrName) && id == vrId) {
            return;
        }
        this.vrName = name;
        this.vrId = id;
        refresh();
    }

    public void addListener(Consumer<DataPlaneModel> listener) {
        listeners.add(listener);
    }

    public void removeListener(Consumer<DataPlaneModel> listener) {
        listeners.remove(listener);
    }

    /**
     * Adds a listener for every new model, including those where only a port's MTU or link state
     * changed (what depends on the MTU: receive slots, send checks). Called after the listeners of
     * {@link #addListener} for the same model.
     */
    public void addLinkListener(Consumer<DataPlaneModel> listener) {
        linkListeners.add(listener);
    }

    public void removeLinkListener(Consumer<DataPlaneModel> listener) {
        linkListeners.remove(listener);
    }

    /**
     * Applies a configuration (null arrays: none). A bad one throws IllegalArgumentException naming the
     * entry, leaves the current model in force and is kept as {@link #lastError()} until a
     * configuration is accepted.
     */
    public synchronized DataPlaneModel configure(String[] ports, String[] vlans) throws IOException {
        try {
            DataPlaneModel next = apply(ports, vlans);
            lastError = null;
            return next;
        } catch (IllegalArgumentException e) {
            lastError = e.getMessage();
            throw e;
        }
    }

    /**
     * Records a configuration refused before it reached {@link #configure} (unknown keys, a ring
     * geometry out of bounds), so that {@code expkt:ports} shows it as it shows a bad entry; the model
     * in force does not change.
     */
    public synchronized void reject(String reason) {
        lastError = reason;
    }

    private DataPlaneModel apply(String[] ports, String[] vlans) throws IOException {
        String[] p = ports == null ? new String[0] : ports.clone();
        String[] v = vlans == null ? new String[0] : vlans.clone();
        String vrName = this.vrName;
        int vrId = this.vrId;
        DataPlaneModel next;
        try {
            next = call(() -> build(NetInterfaces.list(), p, v, vrName, vrId));
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        }
        portEntries = p;
        vlanEntries = v;
        model = next;
        try {
            for (Consumer<DataPlaneModel> l : listeners) {
                l.accept(next);
            }
            for (Consumer<DataPlaneModel> l : linkListeners) {
                l.accept(next);
            }
        } finally {
            served = next;
        }
        return next;
    }

    /**
     * The link thread: waits for link notifications of every followed namespace (one epoll set, with
     * {@link #linkWake} that {@link #close} signals), lets a burst settle, then re-reads the interfaces
     * once. Nothing is allocated while it waits.
     */
    private void followLinks() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ready = arena.allocate((long) Epoll.EVENT_SIZE * LINK_EVENTS_MAX, 8);
            while (!stopping) {
                try {
                    // no slices: close() signals linkWake, so nothing wakes this thread while links are quiet
                    if (!drainLinkEvents(ready, Epoll.wait(linkEpoll, ready, LINK_EVENTS_MAX, -1))) {
                        continue;
                    }
                    // a change often comes as several notifications (flags, then operstate): read once after them
                    for (int i = 0; i < 50 && !stopping; i++) {
                        if (!drainLinkEvents(ready, Epoll.wait(linkEpoll, ready, LINK_EVENTS_MAX, 10))) {
                            break;
                        }
                    }
                    if (!stopping) {
                        linksChanged();
                    }
                } catch (Exception e) {
                    linkError = e.toString();
                    if (stopping) {
                        break;
                    }
                    sleepQuietly(100); // a failing re-read: try again at the next notification, not in a hot loop
                } catch (Error e) {
                    linkError = e.toString();
                    throw e;
                }
            }
        } finally {
            synchronized (spaces) {
                linksClosed = true;
                for (LinkEvents events : linkSockets) {
                    if (events != null) {
                        events.close();
                    }
                }
                Fds.closeQuietly(linkEpoll);
                Fds.closeQuietly(linkWake);
            }
        }
    }

    /**
     * Reads every notification queued on the {@code n} ready link sockets in {@code ready}; true if any
     * (or a lost one: an overrun) was there.
     */
    private boolean drainLinkEvents(MemorySegment ready, int n) throws LinuxException {
        boolean any = false;
        for (int i = 0; i < n; i++) {
            int space = (int) Epoll.eventData(ready, i);
            // a space's socket joins the list just after its fd joins the set: not there yet, it is reported again (level-triggered)
            LinkEvents events = space < linkSockets.size() ? linkSockets.get(space) : null;
            if (events != null && (!events.poll(0).isEmpty() || events.overrun())) {
                any = true;
            }
        }
        return any;
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Re-reads the interfaces with the current configuration and tells the listeners what changed. */
    private synchronized void linksChanged() throws Exception {
        if (stopping) {
            return;
        }
        String[] p = portEntries;
        String[] v = vlanEntries;
        String vrName = this.vrName;
        int vrId = this.vrId;
        DataPlaneModel next;
        try {
            next = call(() -> build(NetInterfaces.list(), p, v, vrName, vrId));
        } catch (IllegalArgumentException e) {
            // the configuration names an interface that went away: keep the last model, say why
            linkError = "the interfaces changed and the configuration no longer applies: " + e.getMessage();
            return;
        }
        linkError = null;
        DataPlaneModel previous = model;
        if (next.sameLinks(previous)) {
            return;
        }
        model = next;
        linkUpdates++;
        try {
            if (!next.sameTopology(previous)) {
                for (Consumer<DataPlaneModel> l : listeners) {
                    l.accept(next);
                }
            }
            for (Consumer<DataPlaneModel> l : linkListeners) {
                l.accept(next);
            }
        } finally {
            served = next;
        }
    }

    /**
     * Re-reads the interfaces with the configuration in force (after the VR changed). Does not touch
     * {@link #lastError()}: a refused configuration stays shown until a good one comes.
     */
    public synchronized DataPlaneModel refresh() throws IOException {
        return apply(portEntries, vlanEntries);
    }

    /**
     * Stops the link thread (waiting {@value #LINK_THREAD_STOP_MILLIS} ms at most for a re-read or a
     * listener it is running; past that it is left to finish and close its socket itself), then the
     * namespace thread.
     */
    @Override
    public void close() {
        stopping = true;
        if (linkThread != null) {
            try (Arena a = Arena.ofConfined()) {
                Epoll.signal(linkWake, a.allocate(8, 8)); // the thread sees stopping now, not after its slice
            }
        }
        if (fdb != null) {
            fdb.close();
        }
        if (linkThread != null && Thread.currentThread() != linkThread) {
            try {
                linkThread.join(LINK_THREAD_STOP_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        thread.close();
        if (netns != null) {
            netns.close();
        }
        synchronized (spaces) {
            for (Space sp : spaces) {
                if (sp != null) {
                    sp.close();
                }
            }
            spaces.clear();
            spaces.add(null);
        }
    }

    /** True while the link thread runs (for tests: it ends on {@link #close}). */
    public boolean followingLinks() {
        return linkThread != null && linkThread.isAlive();
    }
}
