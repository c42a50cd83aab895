package expkt.provider.tx;

import expkt.api.net.SlotPort;
import expkt.api.packet.Port;
import expkt.api.packet.Vlan;
import expkt.linux.PacketSockets;
import expkt.provider.dataplane.DataPlaneModel;
import expkt.provider.dataplane.Fdb;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The send path of one packet socket: checks a send completely first (frame lengths against each
 * port's MTU as the kernel counts them, ports and VLANs known), so a bad frame or port sends nothing,
 * then hands frames and targets to the one send loop, {@link TxBatch#sendAll}: every port that takes
 * the frame gets it, and the ports the kernel refused are named afterwards by a
 * {@link expkt.api.packet.PartialSendException}.
 *
 * <p>Threading: the caller's thread; the checks run unlocked, the batch only under the socket's
 * send lock (given to the constructor, held by the socket also while it closes).
 *
 * <p>Buffers: every frame is copied into the batch's native area (its position advanced to its limit)
 * and handed to the kernel before the call returns, so the caller may reuse its buffers at once. A send
 * to ports of the data plane's namespace allocates nothing per frame ({@code TxAllocationTest}); a send
 * that spans VR namespaces does.
 */
public final class TxPath {
    private final int fd;
    private final SpaceFds spaceFds;
    private final ReentrantLock txLock;
    private final Supplier<DataPlaneModel> model;
    private final BooleanSupplier open;
    /** Where unicast MACs are, for VLAN sends that forward; null: VLAN sends flood. */
    private final Fdb fdb;
    /** Created on the first send (a socket that only receives has no native send buffers). */
    private TxBatch batch;

    /**
     * @param fd the socket to send on
     * @param txLock the socket's send lock
     * @param model the data-plane model now (ports, VLANs)
     * @param open false once the socket is closed
     */
    public TxPath(int fd, ReentrantLock txLock, Supplier<DataPlaneModel> model, BooleanSupplier open) {
        this(fd, txLock, model, open, null);
    }

    /**
     * @param fdb the data plane's forwarding database: a VLAN send to a unicast MAC it knows on a member
     *        port goes out of that port only (null: every VLAN send floods)
     */
    public TxPath(int fd, ReentrantLock txLock, Supplier<DataPlaneModel> model, BooleanSupplier open, Fdb fdb) {
        this(fd, txLock, model, open, fdb, null);
    }

    /**
     * The send socket of a VR namespace (a data-plane space other than 0): a packet socket can only
     * send out of interfaces of its own namespace, so a port of a VR namespace is sent to through one
     * of that namespace.
     */
    @FunctionalInterface
    public interface SpaceFds {
        /** The send socket of space {@code space} (1..n), opened on first use and owned by the engine. */
        int fdOf(int space) throws IOException;
    }

    /**
     * @param spaceFds the send sockets of VR namespaces, or null: every port is in the data plane's
     *        namespace ({@code fd}'s)
     */
    public TxPath(int fd, ReentrantLock txLock, Supplier<DataPlaneModel> model, BooleanSupplier open, Fdb fdb, SpaceFds spaceFds) {
        this.spaceFds = spaceFds;
        this.fdb = fdb;
        this.fd = fd;
        this.txLock = txLock;
        this.model = model;
        this.open = open;
    }

    private void ensureOpen() throws ClosedChannelException {
        if (!open.getAsBoolean()) {
            throw new ClosedChannelException();
        }
    }

    /**
     * Sends {@code frame} (as is) out of every port of {@code slotPorts}; a port the kernel refuses is
     * named by a {@link expkt.api.packet.PartialSendException} after the others got the frame.
     */
    public void sendto(ByteBuffer frame, List<SlotPort> slotPorts) throws IOException {
        ensureOpen();
        if (frame == null) {
            throw new IllegalArgumentException("frame is null");
        }
        List<TxBatch.Target> targets = untagged(model.get(), slotPorts);
        int len = frame.remaining();
        int outer = TxBatch.outerEthertype(frame);
        for (int j = 0; j < targets.size(); j++) {
            TxBatch.checkLength(len, targets.get(j).port(), outer, false);
        }
        send(frame, null, targets);
    }

    /**
     * Sends a burst: every frame out of every port, in as few sendmmsg(2) calls as the batch allows.
     * Checks everything first, so a bad frame or port sends nothing. Returns the messages the kernel
     * accepted; ports it refused are named by a {@link expkt.api.packet.PartialSendException}.
     */
    public int sendBurst(List<ByteBuffer> frames, List<SlotPort> slotPorts) throws IOException {
        ensureOpen();
        if (frames == null || frames.isEmpty()) {
            throw new IllegalArgumentException("sendBurst needs at least one frame");
        }
        List<TxBatch.Target> targets = untagged(model.get(), slotPorts);
        for (int i = 0; i < frames.size(); i++) {
            ByteBuffer f = frames.get(i);
            if (f == null) {
                throw new IllegalArgumentException("frame " + i + " of the burst is null");
            }
            int outer = TxBatch.outerEthertype(f);
            for (int j = 0; j < targets.size(); j++) {
                try {
                    TxBatch.checkLength(f.remaining(), targets.get(j).port(), outer, false);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("frame " + i + " of the burst: " + e.getMessage(), e);
                }
            }
        }
        return send(null, frames, targets);
    }

    /**
     * Forwards an untagged {@code frame} in VLAN {@code vlanName}, as a switch does: to a unicast
     * destination MAC the {@link Fdb} knows on a member port, out of that one port; a broadcast,
     * multicast or unknown unicast destination is flooded to every member. Tagged members get the VLAN's
     * tag inserted (so the frame may be at most MTU + 14 bytes for them; the length is checked against
     * every member, so whether a frame is accepted does not depend on what was learned); members the
     * kernel refuses are named by a {@link expkt.api.packet.PartialSendException} after the others got it.
     */
    public void sendto(ByteBuffer frame, String vlanName) throws IOException {
        ensureOpen();
        if (frame == null) {
            throw new IllegalArgumentException("frame is null");
        }
        if (vlanName == null || vlanName.isEmpty()) {
            throw new IllegalArgumentException("sendto needs slot:ports or a VLAN name; none was given");
        }
        DataPlaneModel m = model.get();
        Vlan vlan = m.vlan(vlanName);
        int len = frame.remaining();
        int outer = TxBatch.outerEthertype(frame);
        if (outer == PacketSockets.ETH_P_8021Q || outer == PacketSockets.ETH_P_8021AD) {
            throw new IllegalArgumentException("frame sent to VLAN " + vlanName + " already carries a VLAN tag (ethertype 0x"
                    + Integer.toHexString(outer) + "): send it untagged");
        }
        VlanTargets vt = vlanTargets(m, vlan);
        List<TxBatch.Target> targets = vt.targets;
        for (int j = 0; j < targets.size(); j++) {
            TxBatch.Target t = targets.get(j);
            TxBatch.checkLength(len, t.port(), outer, t.tagged());
        }
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("VLAN " + vlanName + " has no member ports to send to");
        }
        send(frame, null, forward(vt, frame));
    }

    /**
     * The targets of one VLAN send: the one member a known unicast destination is on, or every member.
     * Allocation-free (the one-port lists are made with the VLAN's targets).
     */
    private List<TxBatch.Target> forward(VlanTargets vt, ByteBuffer frame) {
        if (fdb == null) {
            return vt.targets;
        }
        int p = frame.position();
        long dst = 0;
        for (int k = 0; k < 6; k++) {
            dst = (dst << 8) | (frame.get(p + k) & 0xFF);
        }
        int ifIndex = fdb.unicastPort(vt.tag, dst, vt.taggedTest, vt.untaggedTest);
        if (ifIndex >= 0) {
            for (int k = 0; k < vt.ifIndexes.length; k++) {
                if (vt.ifIndexes[k] == ifIndex) {
                    fdb.counted(true);
                    return vt.singles.get(k);
                }
            }
        }
        fdb.counted(false);
        return vt.targets;
    }

    /**
     * The targets of a send to {@code vlan}: its tagged members (sorted), then its untagged ones (sorted).
     * Remembered per data-plane model (a model is never changed, only replaced), so a protocol that
     * sends to the same VLAN again and again does not sort its member lists per frame.
     */
    private VlanTargets vlanTargets(DataPlaneModel m, Vlan vlan) {
        VlanTargets c = lastVlan;
        if (c != null && c.model == m && c.name.equals(vlan.name())) {
            return c;
        }
        List<TxBatch.Target> targets = new ArrayList<>();
        for (SlotPort sp : vlan.tagged().stream().sorted().toList()) {
            targets.add(new TxBatch.Target(m.port(sp), true, vlan.tag()));
        }
        for (SlotPort sp : vlan.untagged().stream().sorted().toList()) {
            targets.add(TxBatch.Target.untagged(m.port(sp)));
        }
        c = new VlanTargets(m, vlan.name(), vlan.tag(), List.copyOf(targets));
        lastVlan = c;
        return c;
    }

    /**
     * A VLAN's targets in one model: every member (tagged then untagged, sorted), and for each member the
     * one-element list a forwarded send uses, with the members' port keys for the FDB's membership test.
     * Immutable.
     */
    private static final class VlanTargets {
        final DataPlaneModel model;
        final String name;
        final int tag;
        final List<TxBatch.Target> targets;
        final List<List<TxBatch.Target>> singles;
        final int[] ifIndexes;
        final boolean[] tagged;
        final Fdb.MemberTest taggedTest = this::isTagged;
        final Fdb.MemberTest untaggedTest = this::isUntagged;

        VlanTargets(DataPlaneModel model, String name, int tag, List<TxBatch.Target> targets) {
            this.model = model;
            this.name = name;
            this.tag = tag;
            this.targets = targets;
            List<List<TxBatch.Target>> s = new ArrayList<>(targets.size());
            ifIndexes = new int[targets.size()];
            tagged = new boolean[targets.size()];
            for (int k = 0; k < targets.size(); k++) {
                s.add(List.of(targets.get(k)));
                // the FDB names ports by their model key (space and ifindex: ifindexes are per namespace)
                ifIndexes[k] = model.keyOf(targets.get(k).port());
                tagged[k] = targets.get(k).tagged();
            }
            this.singles = List.copyOf(s);
        }

        boolean isTagged(int ifIndex) {
            for (int k = 0; k < ifIndexes.length; k++) {
                if (ifIndexes[k] == ifIndex) {
                    return tagged[k];
                }
            }
            return false;
        }

        boolean isUntagged(int ifIndex) {
            for (int k = 0; k < ifIndexes.length; k++) {
                if (ifIndexes[k] == ifIndex) {
                    return !tagged[k];
                }
            }
            return false;
        }
    }

    /**
     * The ports of {@code slotPorts} as untagged targets; an IllegalArgumentException names a bad one.
     * The last list is remembered with its model, so sending again to the same ports allocates nothing.
     */
    private List<TxBatch.Target> untagged(DataPlaneModel m, List<SlotPort> slotPorts) {
        if (slotPorts == null || slotPorts.isEmpty()) {
            throw new IllegalArgumentException("sendto needs slot:ports or a VLAN name; none was given");
        }
        CachedTargets c = lastPorts;
        if (c != null && c.model == m && sameList(c.key, slotPorts)) {
            return c.targets;
        }
        List<TxBatch.Target> targets = new ArrayList<>(slotPorts.size());
        for (SlotPort sp : slotPorts) {
            if (sp == null) {
                throw new IllegalArgumentException("slot:port list " + slotPorts + " holds null");
            }
            targets.add(TxBatch.Target.untagged(m.port(sp)));
        }
        targets = List.copyOf(targets);
        lastPorts = new CachedTargets(m, List.copyOf(slotPorts), targets);
        return targets;
    }

    /**
     * Whether {@code b} holds the slot:ports of {@code a}, in order: the same list (a caller that sends
     * again with the list it sent with: {@code List.copyOf} of an immutable list is that list), else
     * element by element by index ({@code List.equals} makes an iterator per call).
     */
    private static boolean sameList(List<SlotPort> a, List<SlotPort> b) {
        if (a == b) {
            return true;
        }
        int n = a.size();
        if (b.size() != n) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (!a.get(i).equals(b.get(i))) {
                return false;
            }
        }
        return true;
    }

    /** The targets last resolved for a slot:port list in a model; immutable. */
    private record CachedTargets(DataPlaneModel model, List<SlotPort> key, List<TxBatch.Target> targets) {
    }

    /** Written by any sender thread (an immutable record: a racing sender at worst resolves again). */
    private volatile CachedTargets lastPorts;
    private volatile VlanTargets lastVlan;

    /**
     * The one send loop, under the send lock: {@link TxBatch#sendAll} of {@code frames}, or of the one
     * frame {@code one} (a sendto makes no list for it).
     */
    private int send(ByteBuffer one, List<ByteBuffer> frames, List<TxBatch.Target> targets) throws IOException {
        txLock.lock();
        try {
            ensureOpen();
            DataPlaneModel m = model.get();
            if (spaceFds == null || !m.hasVrSpaces()) {
                return one != null ? batch().sendOne(fd, one, targets) : batch().sendAll(fd, frames, targets);
            }
            return sendBySpace(m, one != null ? List.of(one) : frames, targets);
        } finally {
            txLock.unlock();
        }
    }

    /**
     * Sends to ports of several namespaces: one {@link TxBatch#sendAll} per namespace, each through that
     * namespace's socket, every frame from where it started; refused ports of all of them are named by
     * one {@link PartialSendException}. Under the send lock.
     */
    private int sendBySpace(DataPlaneModel m, List<ByteBuffer> frames, List<TxBatch.Target> targets) throws IOException {
        java.util.TreeMap<Integer, List<TxBatch.Target>> bySpace = new java.util.TreeMap<>();
        for (TxBatch.Target t : targets) {
            bySpace.computeIfAbsent(m.spaceOf(t.port()), k -> new ArrayList<>()).add(t);
        }
        if (bySpace.size() == 1 && bySpace.firstKey() == 0) {
            return batch().sendAll(fd, frames, targets);
        }
        int[] start = new int[frames.size()];
        for (int i = 0; i < start.length; i++) {
            start[i] = frames.get(i).position();
        }
        int sent = 0;
        int attempted = 0;
        java.util.Map<expkt.api.net.SlotPort, String> failed = new java.util.LinkedHashMap<>();
        for (java.util.Map.Entry<Integer, List<TxBatch.Target>> e : bySpace.entrySet()) {
            for (int i = 0; i < start.length; i++) {
                frames.get(i).position(start[i]);
            }
            int f = e.getKey() == 0 ? fd : spaceFds.fdOf(e.getKey());
            try {
                int n = batch().sendAll(f, frames, e.getValue());
                sent += n;
                attempted += n;
            } catch (expkt.api.packet.PartialSendException x) {
                failed.putAll(x.failedPorts());
                sent += x.sent();
                attempted += x.attempted();
            }
        }
        if (!failed.isEmpty()) {
            throw new expkt.api.packet.PartialSendException(failed, sent, attempted);
        }
        return sent;
    }

    private TxBatch batch() {
        if (batch == null) {
            batch = new TxBatch();
        }
        return batch;
    }

    /** Frees the native send buffers. Under the send lock, once the socket is closed. */
    public void close() {
        if (batch != null) {
            batch.close();
        }
    }
}
