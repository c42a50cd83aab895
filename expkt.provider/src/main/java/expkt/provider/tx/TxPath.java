package expkt.provider.tx;

import expkt.api.net.SlotPort;
import expkt.api.packet.Port;
import expkt.api.packet.Vlan;
import expkt.linux.LinuxException;
import expkt.linux.PacketSockets;
import expkt.provider.dataplane.DataPlaneModel;

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
 * port's MTU, ports and VLANs known), so a bad frame or port sends nothing, then queues the frame
 * once per port in its {@link TxBatch} ({@link #queue}, the one batching loop) and hands the batch
 * to sendmmsg(2).
 *
 * <p>Threading: the caller's thread; the checks run unlocked, the batch only under the socket's
 * send lock (given to the constructor, held by the socket also while it closes).
 */
public final class TxPath {
    private final int fd;
    private final ReentrantLock txLock;
    private final Supplier<DataPlaneModel> model;
    private final BooleanSupplier open;
    /** Created on the first send (a socket that only receives has no native send buffers). */
    private TxBatch batch;

    /**
     * @param fd the socket to send on
     * @param txLock the socket's send lock
     * @param model the data-plane model now (ports, VLANs)
     * @param open false once the socket is closed
     */
    public TxPath(int fd, ReentrantLock txLock, Supplier<DataPlaneModel> model, BooleanSupplier open) {
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

    /** Sends {@code frame} (as is) out of every port of {@code slotPorts}. */
    public void sendto(ByteBuffer frame, List<SlotPort> slotPorts) throws IOException {
        ensureOpen();
        if (frame == null) {
            throw new IllegalArgumentException("frame is null");
        }
        if (slotPorts == null || slotPorts.isEmpty()) {
            throw new IllegalArgumentException("sendto needs slot:ports or a VLAN name; none was given");
        }
        DataPlaneModel m = model.get();
        int len = frame.remaining();
        List<Port> ports = new ArrayList<>(slotPorts.size());
        for (SlotPort sp : slotPorts) {
            if (sp == null) {
                throw new IllegalArgumentException("slot:port list " + slotPorts + " holds null");
            }
            Port p = m.port(sp);
            checkLength(len, p, isTagged(frame));
            ports.add(p);
        }
        txLock.lock();
        try {
            ensureOpen();
            TxBatch b = batch();
            queue(b, frame, List.of(), 0, ports);
            b.send(fd);
        } finally {
            txLock.unlock();
        }
    }

    /**
     * Sends a burst: every frame out of every port, in as few sendmmsg(2) calls as the batch allows.
     * Checks everything first, so a bad frame or port sends nothing. Returns the messages the kernel
     * accepted.
     */
    public int sendBurst(List<ByteBuffer> frames, List<SlotPort> slotPorts) throws IOException {
        ensureOpen();
        if (frames == null || frames.isEmpty()) {
            throw new IllegalArgumentException("sendBurst needs at least one frame");
        }
        if (slotPorts == null || slotPorts.isEmpty()) {
            throw new IllegalArgumentException("sendto needs slot:ports or a VLAN name; none was given");
        }
        DataPlaneModel m = model.get();
        List<Port> ports = new ArrayList<>(slotPorts.size());
        for (SlotPort sp : slotPorts) {
            if (sp == null) {
                throw new IllegalArgumentException("slot:port list " + slotPorts + " holds null");
            }
            ports.add(m.port(sp));
        }
        for (int i = 0; i < frames.size(); i++) {
            ByteBuffer f = frames.get(i);
            if (f == null) {
                throw new IllegalArgumentException("frame " + i + " of the burst is null");
            }
            for (Port p : ports) {
                try {
                    checkLength(f.remaining(), p, isTagged(f));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("frame " + i + " of the burst: " + e.getMessage(), e);
                }
            }
        }
        int sent = 0;
        txLock.lock();
        try {
            ensureOpen();
            TxBatch b = batch();
            for (ByteBuffer f : frames) {
                sent += queue(b, f, List.of(), 0, ports);
            }
            sent += b.send(fd);
        } finally {
            txLock.unlock();
        }
        return sent;
    }

    /** Sends an untagged {@code frame} to every member of VLAN {@code vlanName}: tagged ones get the VLAN's tag inserted. */
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
        if (len >= 14 && isTagged(frame)) {
            throw new IllegalArgumentException("frame sent to VLAN " + vlanName + " already carries a VLAN tag (ethertype 0x"
                    + Integer.toHexString(frame.getShort(frame.position() + 12) & 0xFFFF) + "): send it untagged");
        }
        List<Port> tagged = new ArrayList<>();
        List<Port> untagged = new ArrayList<>();
        for (SlotPort sp : vlan.tagged().stream().sorted().toList()) {
            Port p = m.port(sp);
            checkLength(len, p, true);
            tagged.add(p);
        }
        for (SlotPort sp : vlan.untagged().stream().sorted().toList()) {
            Port p = m.port(sp);
            checkLength(len, p, false);
            untagged.add(p);
        }
        if (tagged.isEmpty() && untagged.isEmpty()) {
            throw new IllegalArgumentException("VLAN " + vlanName + " has no member ports to send to");
        }
        txLock.lock();
        try {
            ensureOpen();
            TxBatch b = batch();
            queue(b, frame, tagged, vlan.tag(), untagged);
            b.send(fd);
        } finally {
            txLock.unlock();
        }
    }

    /**
     * The one batching loop: copies {@code frame} into the batch once and queues it out of every port
     * of {@code tagged} (with an 802.1Q tag of {@code tci} inserted) and then of {@code untagged} (as
     * is). Sends the batch first if the frame or its messages do not fit, and whenever the batch is
     * full (copying the frame again into the emptied batch). Returns the messages the kernel accepted
     * in the sends made here; what is queued last is left for the caller to send.
     */
    private int queue(TxBatch b, ByteBuffer frame, List<Port> tagged, int tci, List<Port> untagged) throws LinuxException {
        int len = frame.remaining();
        int nTagged = tagged.size();
        int n = nTagged + untagged.size();
        int sent = 0;
        if (b.room() < len || b.count() + n > TxBatch.MAX_MESSAGES) {
            sent += b.send(fd);
        }
        long at = b.put(frame);
        for (int i = 0; i < n; i++) {
            if (b.count() == TxBatch.MAX_MESSAGES) {
                sent += b.send(fd);
                at = b.put(rewind(frame, len));
            }
            boolean tag = i < nTagged;
            Port p = tag ? tagged.get(i) : untagged.get(i - nTagged);
            b.add(at, len, p.ifIndex(), tag, tag ? tci : 0);
        }
        return sent;
    }

    /** Moves a consumed buffer back over its last {@code len} bytes (to copy it again after a flush). */
    private static ByteBuffer rewind(ByteBuffer frame, int len) {
        return frame.position(frame.limit() - len);
    }

    private static boolean isTagged(ByteBuffer frame) {
        if (frame.remaining() < 14) {
            return false;
        }
        int et = frame.getShort(frame.position() + 12) & 0xFFFF;
        return et == PacketSockets.ETH_P_8021Q || et == PacketSockets.ETH_P_8021AD;
    }

    private static void checkLength(int len, Port p, boolean tagged) {
        if (len < 14) {
            throw new IllegalArgumentException("frame of " + len + " bytes is shorter than an Ethernet header (14 bytes)");
        }
        int max = 14 + p.mtu() + (tagged ? 4 : 0);
        if (len > max) {
            throw new IllegalArgumentException("frame of " + len + " bytes is longer than port " + p.slotPort() + " ("
                    + p.ifName() + ") takes: MTU " + p.mtu() + " + " + (max - p.mtu()) + " header bytes = " + max);
        }
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
