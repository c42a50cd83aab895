package expkt.provider.tx;

import expkt.api.net.SlotPort;
import expkt.api.packet.PartialSendException;
import expkt.api.packet.Port;
import expkt.linux.Errno;
import expkt.linux.LinuxException;
import expkt.linux.PacketSockets;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Native buffers for batched sends with sendmmsg(2): frames are copied once into a native area
 * ({@link #put}), then up to {@link #MAX_MESSAGES} messages are queued ({@link #add}), each one frame
 * to one port, either as is or with an 802.1Q tag inserted after the MAC addresses (three iovecs:
 * addresses, tag, rest — a tagged copy costs no second copy of the frame). {@link #send} hands the
 * queue to the kernel in one call (more if the kernel stops early).
 *
 * <p>{@link #sendAll} is the one send loop of a socket (sendto to ports, to a VLAN, bursts): every frame
 * to every target, batched; a message the kernel refuses (a port that is down) is recorded with its
 * port and errno and skipped, and the loop goes on with the next one, so one bad port never keeps the
 * frame from the others. {@link #checkLength} is the length rule of the kernel's {@code packet_snd}.
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
    /** The data area as a buffer: {@link #put} copies a frame with one bulk put, heap or direct, allocating nothing. */
    private final ByteBuffer dataBuffer = data.asByteBuffer();
    /** Native addresses of the areas: {@link #add} writes pointers, making no segment per message. */
    private final long dataAddress = data.address();
    private final long tagsAddress = tags.address();
    private final long iovsAddress = iovs.address();
    private final long sllsAddress = slls.address();
    /** The first message's sockaddr_ll, for {@link #send} of a lone untagged message with sendto(2). */
    private final MemorySegment firstSll = slls.asSlice(0, 24);
    /** The first queued message: at offset 0 of the data area, untagged (sendto-able), and its length. */
    private boolean firstPlain;
    private int firstLength;
    /** The target of each queued message (for naming a port the kernel refused). */
    private final Port[] messagePort = new Port[MAX_MESSAGES];
    /** Ports refused since {@link #sendAll} started, with the first errno of each; and how many sends failed. */
    private final Map<Port, Integer> refused = new LinkedHashMap<>();
    private int refusedSends;
    private int used;
    private int count;

    /**
     * One destination of a send: a port, and whether an 802.1Q tag with {@code tci} is inserted on the
     * way out (a tagged member of the VLAN sent to).
     */
    public record Target(Port port, boolean tagged, int tci) {
        public static Target untagged(Port port) {
            return new Target(port, false, 0);
        }
    }

    /**
     * The longest frame (as handed to send) that port {@code p} takes, exactly as the kernel's
     * {@code packet_snd} decides: MTU + 14 (the Ethernet header), and 4 bytes more for a frame whose
     * outer ethertype is 802.1Q (0x8100; an 802.1ad 0x88A8 outer tag gets no such allowance). A frame
     * we tag ({@code tagInserted}) leaves 4 bytes longer with an 802.1Q tag, so it may be MTU + 14.
     */
    public static int maxLength(Port p, int outerEthertype, boolean tagInserted) {
        if (tagInserted) {
            return 14 + p.mtu();
        }
        return 14 + p.mtu() + (outerEthertype == PacketSockets.ETH_P_8021Q ? 4 : 0);
    }

    /** Throws an IllegalArgumentException naming the length and the limit if port {@code p} does not take the frame. */
    public static void checkLength(int len, Port p, int outerEthertype, boolean tagInserted) {
        if (len < 14) {
            throw new IllegalArgumentException("frame of " + len + " bytes is shorter than an Ethernet header (14 bytes)");
        }
        int max = maxLength(p, outerEthertype, tagInserted);
        if (len > max) {
            String why = tagInserted ? " (the VLAN send inserts a 4-byte 802.1Q tag on this tagged member)"
                    : outerEthertype == PacketSockets.ETH_P_8021Q ? " (802.1Q-tagged frame)"
                    : outerEthertype == PacketSockets.ETH_P_8021AD ? " (the kernel gives an 802.1ad outer tag no allowance)" : "";
            throw new IllegalArgumentException("frame of " + len + " bytes is longer than port " + p.slotPort() + " ("
                    + p.ifName() + ") takes: MTU " + p.mtu() + " + " + (max - p.mtu()) + " header bytes = " + max + why);
        }
    }

    /** The outer ethertype of the frame at its position (0 if it is shorter than a header). */
    public static int outerEthertype(ByteBuffer frame) {
        return frame.remaining() < 14 ? 0 : frame.getShort(frame.position() + 12) & 0xFFFF;
    }

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
        int at = used;
        // one bulk copy, heap or direct source (MemorySegment.ofBuffer would make a segment per frame)
        dataBuffer.put(at, frame, frame.position(), len);
        frame.position(frame.limit());
        used += (len + 63) & ~63;
        return at;
    }

    /** Queues the frame at {@code offset} ({@code length} bytes) out of {@code ifIndex}, with a tag of {@code tci} if {@code tagged}. */
    public void add(long offset, int length, int ifIndex, boolean tagged, int tci) {
        if (count == MAX_MESSAGES) {
            throw new IllegalStateException("a batch holds " + MAX_MESSAGES + " messages");
        }
        if (offset < 0 || length < 14 || offset + length > DATA_SIZE) {
            throw new IllegalArgumentException("frame of " + length + " bytes at offset " + offset + " is outside the batch's data area");
        }
        messagePort[count] = null;
        int i = count++;
        if (i == 0) {
            firstPlain = !tagged && offset == 0;
            firstLength = length;
        }
        int ethertype = data.get(BE_SHORT, offset + 12) & 0xFFFF;
        long dst = ((data.get(BE_SHORT, offset) & 0xFFFFL) << 32) | (data.get(BE_INT, offset + 2) & 0xFFFF_FFFFL);
        // addresses, not slices: a slice is an object per message (the JIT does not always remove it)
        long sllAt = 24L * i;
        PacketSockets.writeSockaddrLl(slls, sllAt, tagged ? PacketSockets.ETH_P_8021Q : ethertype, ifIndex, dst);
        int iov = 3 * i;
        long frameAddress = dataAddress + offset;
        if (tagged) {
            long tagAt = 4L * i;
            tags.set(BE_SHORT, tagAt, (short) PacketSockets.ETH_P_8021Q);
            tags.set(BE_SHORT, tagAt + 2, (short) tci);
            PacketSockets.writeIovec(iovs, iov, frameAddress, 12);
            PacketSockets.writeIovec(iovs, iov + 1, tagsAddress + tagAt, 4);
            PacketSockets.writeIovec(iovs, iov + 2, frameAddress + 12, length - 12);
            PacketSockets.writeMmsghdr(msgs, i, sllsAddress + sllAt, iovsAddress + (long) PacketSockets.IOVEC_SIZE * iov, 3);
        } else {
            PacketSockets.writeIovec(iovs, iov, frameAddress, length);
            PacketSockets.writeMmsghdr(msgs, i, sllsAddress + sllAt, iovsAddress + (long) PacketSockets.IOVEC_SIZE * iov, 1);
        }
    }

    /**
     * Sends every frame of {@code frames} (each from its position to its limit, which it advances) to
     * every target, in as few sendmmsg(2) calls as the batch allows, frames in order. The caller has
     * checked lengths and ports. Returns how many frame-port sends the kernel accepted; if the kernel
     * refused some, throws a {@link PartialSendException} naming each refused port and its error, after
     * every other send was made.
     */
    public int sendAll(int fd, List<ByteBuffer> frames, List<Target> targets) throws IOException {
        return sendFrames(fd, null, frames, targets);
    }

    /** {@link #sendAll} of the one frame {@code frame} (a sendto: no list is made for it). */
    public int sendOne(int fd, ByteBuffer frame, List<Target> targets) throws IOException {
        return sendFrames(fd, frame, null, targets);
    }

    /**
     * The loop of {@link #sendAll}: {@code one} if not null, else every frame of {@code many}. Indexed
     * loops and no per-frame object: a send allocates nothing (TxAllocationTest).
     */
    private int sendFrames(int fd, ByteBuffer one, List<ByteBuffer> many, List<Target> targets) throws IOException {
        refused.clear();
        refusedSends = 0;
        count = 0;
        used = 0;
        int sent = 0;
        int n = targets.size();
        int frames = one != null ? 1 : many.size();
        for (int k = 0; k < frames; k++) {
            ByteBuffer f = one != null ? one : many.get(k);
            int len = f.remaining();
            if (room() < len || count + n > MAX_MESSAGES) {
                sent += send(fd);
            }
            long at = put(f);
            for (int j = 0; j < n; j++) {
                Target t = targets.get(j);
                if (count == MAX_MESSAGES) {
                    sent += send(fd);
                    at = put(f.position(f.limit() - len)); // copy it again after the flush
                }
                add(at, len, t.port().ifIndex(), t.tagged(), t.tci());
                messagePort[count - 1] = t.port();
            }
        }
        sent += send(fd);
        if (!refused.isEmpty()) {
            Map<SlotPort, String> failed = new LinkedHashMap<>();
            for (Map.Entry<Port, Integer> e : refused.entrySet()) {
                failed.put(e.getKey().slotPort(), e.getKey().ifName() + ": " + Errno.name(e.getValue()) + " ("
                        + Errno.describe(e.getValue()) + ")");
            }
            refused.clear();
            throw new PartialSendException(failed, sent, sent + refusedSends);
        }
        return sent;
    }

    /**
     * Sends every queued message and empties the batch; returns how many the kernel accepted. A
     * message the kernel refuses is recorded (port and errno) and skipped, and the rest are sent:
     * sendmmsg(2) stops at the first failing message (returning the count before it, or -1 if it is
     * the first), so the loop resubmits from the message after it.
     */
    public int send(int fd) throws LinuxException {
        int sent = 0;
        int i = 0;
        try {
            if (count == 1 && firstPlain) {
                return sendLone(fd);
            }
            while (i < count) {
                int n;
                try {
                    // the whole queue from its start (no slice: the common case allocates nothing); the rest after a refusal
                    n = PacketSockets.sendmmsg(fd, i == 0 ? msgs : msgs.asSlice((long) i * PacketSockets.MMSGHDR_SIZE), count - i, 0);
                } catch (LinuxException e) {
                    if (e.errno() == Errno.EINTR) {
                        continue;
                    }
                    if (e.errno() == Errno.EBADF || messagePort[i] == null) {
                        throw e; // not a port's refusal: the socket itself is gone, or a caller without targets
                    }
                    refused.putIfAbsent(messagePort[i], e.errno());
                    refusedSends++;
                    i++;
                    continue;
                }
                sent += n;
                i += Math.max(n, 1); // n is never 0 for count > 0; never loop on it
            }
        } finally {
            count = 0;
            used = 0;
        }
        return sent;
    }

    /**
     * One untagged message (a sendto of one frame to one port): sendto(2), which spares the kernel the
     * msghdr and iovec copies and checks of sendmmsg(2). Same outcome: 1 sent, or the port's refusal
     * recorded. The caller (send) empties the batch.
     */
    private int sendLone(int fd) throws LinuxException {
        while (true) {
            try {
                PacketSockets.sendto(fd, data, firstLength, firstSll, 0);
                return 1;
            } catch (LinuxException e) {
                if (e.errno() == Errno.EINTR) {
                    continue;
                }
                if (e.errno() == Errno.EBADF || messagePort[0] == null) {
                    throw e;
                }
                refused.putIfAbsent(messagePort[0], e.errno());
                refusedSends++;
                return 0;
            }
        }
    }

    @Override
    public void close() {
        arena.close();
    }
}
