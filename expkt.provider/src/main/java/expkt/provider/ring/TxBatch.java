package expkt.provider.ring;

import expkt.linux.LinuxException;
import expkt.linux.PacketSockets;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Native buffers for batched sends with sendmmsg(2): one frame (or a few) copied once into native
 * memory, then up to {@link #MAX_MESSAGES} messages, each to its own port and each either the frame
 * as is or the frame with an 802.1Q tag inserted after the MAC addresses (three iovecs: addresses,
 * tag, rest, so a tagged copy costs no second copy of the frame).
 *
 * <p>Threading: confined to one sender at a time (the socket's send lock).
 */
public final class TxBatch implements AutoCloseable {
    public static final int MAX_MESSAGES = 64;
    public static final int MAX_FRAME = 65536;
    private static final ValueLayout.OfShort BE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private final Arena arena = Arena.ofShared();
    private final MemorySegment data = arena.allocate(MAX_FRAME, 64);
    private final MemorySegment tags = arena.allocate(4L * MAX_MESSAGES, 8);
    private final MemorySegment iovs = arena.allocate((long) PacketSockets.IOVEC_SIZE * 3 * MAX_MESSAGES, 8);
    private final MemorySegment slls = arena.allocate((long) 24 * MAX_MESSAGES, 8);
    private final MemorySegment msgs = arena.allocate((long) PacketSockets.MMSGHDR_SIZE * MAX_MESSAGES, 8);
    private int length;
    private int count;

    /** The frame buffer: copy the frame here, then {@link #frameLength(int)}. */
    public MemorySegment data() {
        return data;
    }

    public void frameLength(int length) {
        if (length < 0 || length > MAX_FRAME) {
            throw new IllegalArgumentException("frame of " + length + " bytes does not fit the " + MAX_FRAME + "-byte send buffer");
        }
        this.length = length;
        this.count = 0;
    }

    /** Ethertype at offset 12 of the frame in {@link #data()}. */
    public int ethertype() {
        return data.get(BE_SHORT, 12) & 0xFFFF;
    }

    public long dstMac() {
        long hi = data.get(BE_SHORT, 0) & 0xFFFFL;
        long lo = data.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 2) & 0xFFFF_FFFFL;
        return (hi << 32) | lo;
    }

    /** Adds a message: the frame out of {@code ifIndex}, with a tag of {@code tci} if {@code tagged}. */
    public void add(int ifIndex, boolean tagged, int tci) {
        if (count == MAX_MESSAGES) {
            throw new IllegalStateException("a batch holds " + MAX_MESSAGES + " messages");
        }
        int i = count++;
        MemorySegment sll = slls.asSlice(24L * i, 24);
        PacketSockets.writeSockaddrLl(sll, 0, tagged ? PacketSockets.ETH_P_8021Q : ethertype(), ifIndex, dstMac());
        MemorySegment iov = iovs.asSlice((long) PacketSockets.IOVEC_SIZE * 3 * i, PacketSockets.IOVEC_SIZE * 3L);
        if (tagged) {
            MemorySegment tag = tags.asSlice(4L * i, 4);
            tag.set(BE_SHORT, 0, (short) PacketSockets.ETH_P_8021Q);
            tag.set(BE_SHORT, 2, (short) tci);
            PacketSockets.writeIovec(iov, 0, data, 12);
            PacketSockets.writeIovec(iov, 1, tag, 4);
            PacketSockets.writeIovec(iov, 2, data.asSlice(12), length - 12);
            PacketSockets.writeMmsghdr(msgs, i, sll, iov, 3);
        } else {
            PacketSockets.writeIovec(iov, 0, data, length);
            PacketSockets.writeMmsghdr(msgs, i, sll, iov, 1);
        }
    }

    public int count() {
        return count;
    }

    /** Sends every added message (resubmitting what the kernel did not take at once); returns how many. */
    public int send(int fd) throws LinuxException {
        int sent = 0;
        while (sent < count) {
            int n = PacketSockets.sendmmsg(fd, msgs.asSlice((long) sent * PacketSockets.MMSGHDR_SIZE), count - sent, 0);
            if (n <= 0) {
                break;
            }
            sent += n;
        }
        count = 0;
        return sent;
    }

    @Override
    public void close() {
        arena.close();
    }
}
