package expkt.api.spi;

import expkt.api.vr.VirtualRouter;

import java.net.InetAddress;
import java.util.Objects;

/**
 * A raw IP socket's kernel part between two {@code expkt.vr} revisions ({@link VrSession#park},
 * {@link VrSession#adopt}): its descriptor (it belongs to the process, not to a class loader), the inode
 * of the socket it was (to tell a descriptor closed and reused underneath), and what the socket was
 * asked for. java.* and API types only, so no class of the old revision is kept. The VR is carried as a
 * value, not looked up by id: the next revision's user VRs come from ConfigAdmin after its engine may
 * already be adopting.
 *
 * @param parkedBy the revision that parked it
 * @param fd the open descriptor
 * @param fdInode the socket's inode ({@code /proc/self/fd/N} → {@code socket:[inode]}), 0 if unknown
 * @param domain AF_INET or AF_INET6
 * @param protocol the IP protocol
 * @param vr the VR the socket lives in
 * @param headerIncluded IP_HDRINCL / IPV6_HDRINCL set
 * @param boundTo the local address it is bound to, or null
 */
public record ParkedRawSocket(String parkedBy, int fd, long fdInode, int domain, int protocol, VirtualRouter vr, boolean headerIncluded,
                              InetAddress boundTo) {
    public ParkedRawSocket {
        Objects.requireNonNull(parkedBy, "parkedBy");
        Objects.requireNonNull(vr, "vr");
        if (fd < 0) {
            throw new IllegalArgumentException("parked raw socket of " + parkedBy + ": fd " + fd + " is negative");
        }
    }

    @Override
    public String toString() {
        return "raw socket (protocol " + protocol + ", " + vr.name() + ") parked by " + parkedBy + ": fd " + fd;
    }
}
