package expkt.provider.dataplane;

import expkt.linux.NetInterfaces;
import expkt.linux.NetNs;
import expkt.linux.NetNsThread;

import java.io.IOException;
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
 * model.
 *
 * <p>Threading: {@link #model()} is a volatile read, safe from any thread; {@link #configure} is
 * serialised.
 */
public final class DataPlane implements AutoCloseable {
    private final String netnsName;
    private final NetNs netns;
    private final NetNsThread thread;
    private final long inode;
    private volatile String vrName;
    private volatile int vrId;
    private final List<Consumer<DataPlaneModel>> listeners = new CopyOnWriteArrayList<>();
    private volatile DataPlaneModel model;
    private volatile String lastError;
    private String[] portEntries = new String[0];
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
        try {
            this.thread = new NetNsThread("expkt-dataplane" + (this.netnsName.isEmpty() ? "" : "-" + this.netnsName), netns);
            this.inode = call(NetNs::currentInode);
            this.model = call(() -> DataPlaneConfigParser.build(NetInterfaces.list(), portEntries, vlanEntries, vrName, vrId));
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        } catch (Exception e) {
            close();
            throw new IOException("cannot read the interfaces of the data-plane namespace " + describeNamespace() + ": " + e, e);
        }
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
            next = call(() -> DataPlaneConfigParser.build(NetInterfaces.list(), p, v, vrName, vrId));
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        }
        portEntries = p;
        vlanEntries = v;
        model = next;
        for (Consumer<DataPlaneModel> l : listeners) {
            l.accept(next);
        }
        return next;
    }

    /**
     * Re-reads the interfaces with the configuration in force (after the VR changed). Does not touch
     * {@link #lastError()}: a refused configuration stays shown until a good one comes.
     */
    public synchronized DataPlaneModel refresh() throws IOException {
        return apply(portEntries, vlanEntries);
    }

    @Override
    public void close() {
        if (thread != null) {
            thread.close();
        }
        if (netns != null) {
            netns.close();
        }
    }
}
