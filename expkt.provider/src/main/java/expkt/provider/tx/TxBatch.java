package expkt.provider.tx;

import expkt.linux.LinuxException;
import expkt.linux.PacketSockets;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Native buffers for batched sends with sendmmsg(2): frames are copied once into a native area
 * ({@link #put}), then up to {@link #MAX_MESSAGES} messages are queued ({@link #add}), each one frame
 * to one port, either as is or with an 802.1Q tag inserted after the MAC addresses (three iovecs:
 * addresses, tag, rest — a tagged copy costs no second copy of the frame). {@link #send} hands the
 * queue to the kernel in one call (more if the kernel stops early).
 *
 * <p>Threading: confined to one sender at a time (the socket's send lock).
 */
public final class TxBatch implements AutoCloseable {
    public static final int MAX_MESSAGES = 64;
    /** Room for the frames of one batch. */
    public static final int DATA_SIZE = 1 << 20;
    private static final ValueLayout.OfShort BE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt BE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private final Arena arena = Arena.ofShared();
    private final MemorySegment data = arena.allocate(DATA_SIZE, 64);
    private final MemorySegment tags = arena.allocate(4L * MAX_MESSAGES, 8);
    private final MemorySegment iovs = arena.allocate((long) PacketSockets.IOVEC_SIZE * 3 * MAX_MESSAGES, 8);
    private final MemorySegment slls = arena.allocate((long) 24 * MAX_MESSAGES, 8);
    private final MemorySegment msgs = arena.allocate((long) PacketSockets.MMSGHDR_SIZE * MAX_MESSAGES, 8);
    private int used;
    private int count;

    /** Room left for frames, in bytes. */
    public int room() {
        return DATA_SIZE - used;
    }

    /** Messages queued and not yet sent. */
    public int count() {
        return count;
    }

    /**
     * Copies {@code frame} (position to limit; the position moves to the limit) into the data area and
     * returns its offset there. The caller checks {@link #room()} first (and sends when it is short).
     */
    public long put(ByteBuffer frame) {
        int len = frame.remaining();
        if (len > room()) {
            throw new IllegalStateException("frame of " + len + " bytes does not fit the " + room() + " bytes left");
        }
        long at = used;
        if (frame.hasArray()) {
            MemorySegment.copy(frame.array(), frame.arrayOffset() + frame.position(), data, ValueLayout.JAVA_BYTE, at, len);
        } else {
            MemorySegment.copy(MemorySegment.ofBuffer(frame), 0, data, at, len);
        }
        frame.position(frame.limit());
        used += (len + 63) & ~63;
        return at;
    }

    /** Queues the frame at {@code offset} ({@code length} bytes) out of {@code ifIndex}, with a tag of {@code tci} if {@code tagged}. */
    public void add(long offset, int length, int ifIndex, boolean tagged, int tci) {
        if (count == MAX_MESSAGES) {
            throw new IllegalStateException("a batch holds " + MAX_MESSAGES + " messages");
        }
        int i = count++;
        int ethertype = data.get(BE_SHORT, offset + 12) & 0xFFFF;
        long dst = ((data.get(BE_SHORT, offset) & 0xFFFFL) << 32) | (data.get(BE_INT, offset + 2) & 0xFFFF_FFFFL);
        MemorySegment sll = slls.asSlice(24L * i, 24);
        PacketSockets.writeSockaddrLl(sll, 0, tagged ? PacketSockets.ETH_P_8021Q : ethertype, ifIndex, dst);
        MemorySegment iov = iovs.asSlice((long) PacketSockets.IOVEC_SIZE * 3 * i, PacketSockets.IOVEC_SIZE * 3L);
        if (tagged) {
            MemorySegment tag = tags.asSlice(4L * i, 4);
            tag.set(BE_SHORT, 0, (short) PacketSockets.ETH_P_8021Q);
            tag.set(BE_SHORT, 2, (short) tci);
            PacketSockets.writeIovec(iov, 0, data.asSlice(offset, 12), 12);
            PacketSockets.writeIovec(iov, 1, tag, 4);
            PacketSockets.writeIovec(iov, 2, data.asSlice(offset + 12, length - 12), length - 12);
            PacketSockets.writeMmsghdr(msgs, i, sll, iov, 3);
        } else {
            PacketSockets.writeIovec(iov, 0, data.asSlice(offset, length), length);
            PacketSockets.writeMmsghdr(msgs, i, sll, iov, 1);
        }
    }

    /**
     * Sends every queued message (resubmitting what the kernel did not take at once) and empties the
     * batch; returns how many messages the kernel accepted.
     */
    public int send(int fd) throws LinuxException {
        int sent = 0;
        try {
            while (sent < count) {
                int n = PacketSockets.sendmmsg(fd, msgs.asSlice((long) sent * PacketSockets.MMSGHDR_SIZE), count - sent, 0);
                if (n <= 0) {
                    break;
                }
                sent += n;
            }
        } finally {
            count = 0;
            used = 0;
        }
        return sent;
    }

    @Override
    public void close() {
        arena.close();
    }
}
