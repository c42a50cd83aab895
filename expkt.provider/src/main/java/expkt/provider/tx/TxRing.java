package expkt.provider.tx;

import expkt.api.packet.FrameClaim;
import expkt.api.packet.Port;
import expkt.linux.Fds;
import expkt.linux.LinuxException;
import expkt.linux.PacketSockets;
import expkt.linux.StructLayouts;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

/**
 * One port's transmit ring for {@code tryClaim} sends: a send-only AF_PACKET socket in the data
 * plane, bound to the port, with a TPACKET_V2 TX ring of {@value #SLOTS} slots. A claim hands out the
 * next slot's memory as a {@link ByteBuffer} (made once per slot when the ring is made: a claim
 * allocates nothing), a commit marks the slot SEND_REQUEST, and {@link #flush} is one
 * {@code send(fd, NULL, 0, MSG_DONTWAIT)} for every frame committed since the last one. The kernel
 * gives a slot back (AVAILABLE) once its frame has left; frames go through the port's queueing
 * discipline like {@code sendto}'s (no PACKET_QDISC_BYPASS: EGRESS filters and taps see them).
 *
 * <p>Kept apart from {@link TxPath}/{@link TxBatch} (sendmmsg): nothing of theirs changes.
 *
 * <p>Threading: one thread at a time, under the owning socket's send lock (which its close also takes
 * before {@link #close}); the claim between {@code tryClaim} and {@code commit}/{@code abort} belongs to
 * the claiming thread.
 */
public final class TxRing implements FrameClaim, AutoCloseable {
    /** Slots per ring: 4 blocks of 64 KiB in 2 KiB slots (a ring per port and socket that claims: 256 KiB). */
    static final int SLOTS = 128;
    private static final int V2_STATUS = StructLayouts.offset("struct tpacket2_hdr", "tp_status");
    private static final int V2_LEN = StructLayouts.offset("struct tpacket2_hdr", "tp_len");
    private static final int DATA = StructLayouts.value(StructLayouts.TPACKET2_SLL);
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private final Port port;
    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment ring;
    private final int frameSize;
    private final ByteBuffer[] buffers;
    private int head;
    /** The slot claimed now, or -1. */
    private int claimed = -1;
    /** Frames committed since the last flush. */
    private int committed;
    private long sent;
    private long refused;

    /** Makes the ring for {@code port} on {@code fd} (opened in the data plane's namespace, protocol 0: it receives nothing). */
    public TxRing(Port port, int fd) throws IOException {
        this.port = port;
        this.fd = fd;
        // a slot holds the port's longest frame (+ a tag, + the slot header): 2 KiB up to MTU ~2000
        int fs = 2048;
        while (fs - DATA < port.mtu() + 18) {
            fs <<= 1;
        }
        this.frameSize = fs;
        int blockSize = Math.max(fs, 64 * 1024);
        int blockNr = Math.max(1, SLOTS * fs / blockSize);
        try {
            PacketSockets.bind(fd, 0, port.ifIndex()); // protocol 0: sends out of this port, receives nothing
            this.ring = PacketSockets.txRingV2(fd, blockSize, blockNr, fs, arena);
        } catch (LinuxException | RuntimeException e) {
            arena.close();
            Fds.closeQuietly(fd);
            throw e;
        }
        int slots = (int) (ring.byteSize() / fs);
        this.buffers = new ByteBuffer[slots];
        for (int i = 0; i < slots; i++) {
            buffers[i] = ring.asSlice((long) i * fs + DATA, fs - DATA).asByteBuffer();
        }
    }

    public Port port() {
        return port;
    }

    /** True while a claim is open (claimed, neither committed nor aborted). */
    boolean isOpen() {
        return claimed >= 0;
    }

    /**
     * Claims the next slot, or returns null if it is still queued or being sent (after one
     * non-blocking send that lets the kernel take what is committed).
     */
    public FrameClaim tryClaim() throws IOException {
        if (claimed >= 0) {
            throw new IllegalStateException("a claim of port " + port.slotPort() + " is still open: commit or abort it first");
        }
        if (!free(head)) {
            flush();
            if (!free(head)) {
                return null;
            }
        }
        claimed = head;
        buffers[head].clear();
        return this;
    }

    private boolean free(int slot) {
        int st = (int) INT.getAcquire(ring, (long) slot * frameSize + V2_STATUS);
        if (st == PacketSockets.TP_STATUS_WRONG_FORMAT) {
            refused++; // the kernel refused that frame (commit checked its length: should not happen)
            return true;
        }
        return st == PacketSockets.TP_STATUS_AVAILABLE;
    }

    @Override
    public ByteBuffer buffer() {
        if (claimed < 0) {
            throw new IllegalStateException("no open claim of port " + port.slotPort());
        }
        return buffers[claimed];
    }

    @Override
    public void commit(int length) throws IOException {
        if (claimed < 0) {
            throw new IllegalStateException("no open claim of port " + port.slotPort() + " to commit");
        }
        if (length > frameSize - DATA) {
            throw new IllegalArgumentException("frame of " + length + " bytes does not fit the claimed slot (" + (frameSize - DATA) + " bytes)");
        }
        ByteBuffer b = buffers[claimed];
        int outer = length < 14 ? 0 : b.getShort(12) & 0xFFFF;
        TxBatch.checkLength(length, port, outer, false);
        long at = (long) claimed * frameSize;
        ring.set(ValueLayout.JAVA_INT, at + V2_LEN, length);
        INT.setRelease(ring, at + V2_STATUS, PacketSockets.TP_STATUS_SEND_REQUEST);
        head = (claimed + 1) % buffers.length;
        claimed = -1;
        committed++;
    }

    @Override
    public void abort() {
        if (claimed < 0) {
            throw new IllegalStateException("no open claim of port " + port.slotPort() + " to abort");
        }
        claimed = -1; // the slot stays AVAILABLE and is claimed again next
    }

    /** Hands the committed frames to the kernel (one system call); returns how many. */
    public int flush() throws IOException {
        int n = committed;
        if (n == 0) {
            return 0;
        }
        PacketSockets.sendRing(fd, PacketSockets.MSG_DONTWAIT);
        committed = 0; // the kernel takes every SEND_REQUEST slot; a full device queue keeps them marked for the next send
        sent += n;
        return n;
    }

    /** Frames committed and handed to the kernel since the ring was made. */
    public long sent() {
        return sent;
    }

    /** Frames the kernel marked WRONG_FORMAT (refused) since the ring was made. */
    public long refused() {
        return refused;
    }

    /** Unmaps the ring and closes its socket (the socket's send lock held). */
    @Override
    public void close() {
        claimed = -1;
        arena.close();
        Fds.closeQuietly(fd);
    }
}
