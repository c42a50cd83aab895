package expkt.vr.internal;

import expkt.api.runtime.VrSocketDTO;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.channels.NetworkChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The runtime DTOs of the L3 and raw IP sockets every bundle has open through its VrSockets
 * ({@link expkt.api.spi.VrSocketListing}, read by the provider's {@code ExpktRuntime.vrSockets()}).
 *
 * <p>Threading: any thread; reads each socket's volatile state and its callback's registration (never
 * under a socket's own lock), waits for nothing.
 */
public final class VrSocketRows {
    private VrSocketRows() {
    }

    /** Every listed socket of every owner in {@code table}, by owner bundle id, VR id and local address. */
    public static List<VrSocketDTO> of(VrTable table) {
        List<VrSocketDTO> l = new ArrayList<>();
        for (SocketOwner owner : table.owners()) {
            for (SocketOwner.Owned s : owner.open()) {
                VrSocketDTO d = s.dto();
                if (d != null) {
                    d.ownerBundleId = owner.owner().bundleId();
                    d.owner = owner.owner().toString();
                    l.add(d);
                }
            }
        }
        l.sort(Comparator.comparingLong((VrSocketDTO d) -> d.ownerBundleId).thenComparingInt(d -> d.vrId)
                .thenComparing(d -> d.transport).thenComparing(d -> String.valueOf(d.localAddress)));
        return l;
    }

    /** The channel's local address as {@code /10.0.0.1:5000}, or null while it is not bound (or closed). */
    static String local(NetworkChannel ch) {
        try {
            SocketAddress a = ch.getLocalAddress();
            return a == null ? null : a.toString();
        } catch (IOException e) {
            return null;
        }
    }

    /** The connected peer of a UDP or TCP channel, or null. */
    static String remote(NetworkChannel ch) {
        try {
            SocketAddress a = ch instanceof SocketChannel sc ? sc.getRemoteAddress()
                    : ch instanceof DatagramChannel dc ? dc.getRemoteAddress() : null;
            return a == null ? null : a.toString();
        } catch (IOException e) {
            return null;
        }
    }

    /** {@code INET6} or {@code INET} by the bound address, null while unbound. */
    static String familyOf(NetworkChannel ch) {
        try {
            SocketAddress a = ch.getLocalAddress();
            return a instanceof InetSocketAddress i ? (i.getAddress() instanceof Inet6Address ? "INET6" : "INET") : null;
        } catch (IOException e) {
            return null;
        }
    }
}
