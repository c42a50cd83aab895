package expkt.provider.rx;

import expkt.linux.LinuxException;
import expkt.linux.PacketSockets;
import expkt.linux.Sockets;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A PACKET_FANOUT group in hash mode: the kernel hands each frame that reaches the group to ONE of its
 * sockets, chosen by the frame's flow hash (IP addresses and ports, VLAN-aware; frames without an IP
 * header hash by their ethertype only, so they all go to one socket). A flow therefore always lands in
 * the same socket, in order. No rollover: a full ring drops the frame rather than hand it to another
 * socket (which would reorder the flow). The group's id is picked by the kernel
 * (PACKET_FANOUT_FLAG_UNIQUEID), unique in the network namespace.
 *
 * <p>The kernel runs the chosen socket's BPF program only: every socket of a group must carry the same
 * program, or frames hashed to a socket whose program differs are lost (the socket layer keeps them
 * equal: see {@code PacketSocketImpl#joinFanout}). Sockets must be bound alike (protocol, interface).
 *
 * <p>Threading: any thread; the caller holds what keeps the fds open.
 */
public final class Fanout {
    /** linux/if_packet.h */
    public static final int PACKET_FANOUT = 18;
    public static final int PACKET_FANOUT_HASH = 0;
    public static final int PACKET_FANOUT_FLAG_UNIQUEID = 0x2000;
    /** The most sockets (lanes) one group takes here; the kernel's limit is PACKET_FANOUT_MAX (65536). */
    public static final int MAX_LANES = 16;

    private Fanout() {
    }

    /**
     * Makes {@code fd} the first socket of a new hash-mode group and returns the group id the kernel
     * picked (0..65535: 0 is a valid id). The socket must be bound.
     */
    public static int create(int fd) throws LinuxException {
        PacketSockets.setInt(fd, PacketSockets.SOL_PACKET, PACKET_FANOUT, (PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_UNIQUEID) << 16,
                "PACKET_FANOUT (a new hash group)");
        // id | type << 16 | flags << 24; the kernel drops the UNIQUEID flag once it picked the id, and the
        // hash type is 0: the value is the id
        return read(fd) & 0xFFFF;
    }

    /** Adds the bound socket {@code fd} to the hash-mode group {@code id}. */
    public static void join(int fd, int id) throws LinuxException {
        if (id < 0 || id > 0xFFFF) {
            throw new IllegalArgumentException("fanout group id " + id + " is outside 0..65535");
        }
        PacketSockets.setInt(fd, PacketSockets.SOL_PACKET, PACKET_FANOUT, (PACKET_FANOUT_HASH << 16) | id,
                "PACKET_FANOUT (join hash group " + id + ")");
    }

    /** The group of {@code fd} as the kernel reports it: {@code id | type << 16 | flags << 24}, 0 if none. */
    public static int read(int fd) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(4, 4);
            Sockets.getsockopt(fd, PacketSockets.SOL_PACKET, PACKET_FANOUT, v, arena.allocateFrom(ValueLayout.JAVA_INT, 4),
                    "PACKET_FANOUT");
            return v.get(ValueLayout.JAVA_INT, 0);
        }
    }
}
