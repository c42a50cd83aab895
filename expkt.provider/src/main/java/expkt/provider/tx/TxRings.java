package expkt.provider.tx;

import expkt.api.net.SlotPort;
import expkt.api.packet.FrameClaim;
import expkt.api.packet.Port;
import expkt.provider.dataplane.DataPlaneModel;

import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * A socket's {@link TxRing}s, one per port it claimed on, made on the first claim of that port (a
 * socket that never claims has none). A port whose interface was re-created (new ifindex) gets a new
 * ring; the old one is closed.
 *
 * <p>Threading: under the owning socket's send lock.
 */
public final class TxRings implements AutoCloseable {
    private final Supplier<DataPlaneModel> model;
    private final PortSockets openSocket;
    private TxRing[] rings = new TxRing[0];
    private TxRing claimedOn;

    /**
     * @param model the data-plane model now
     * @param openSocket opens a protocol-0 AF_PACKET socket in the data plane's namespace
     */
    public TxRings(Supplier<DataPlaneModel> model, Callable<Integer> openSocket) {
        this(model, port -> openSocket.call());
    }

    /** Opens the transmit socket of a port where the port is (its namespace: see {@code DataPlaneModel#spaceOf}). */
    @FunctionalInterface
    public interface PortSockets {
        int open(Port port) throws Exception;
    }

    /** @param openSocket opens a protocol-0 packet socket in the namespace of the port it is given */
    public TxRings(Supplier<DataPlaneModel> model, PortSockets openSocket) {
        this.model = model;
        this.openSocket = openSocket;
    }

    /** See {@code PacketSocket.tryClaim}. */
    public FrameClaim tryClaim(SlotPort slotPort) throws IOException {
        if (slotPort == null) {
            throw new IllegalArgumentException("port is null");
        }
        if (claimedOn != null && claimedOn.isOpen()) {
            throw new IllegalStateException("a claim of port " + claimedOn.port().slotPort() + " is still open: commit or abort it first");
        }
        Port port = model.get().port(slotPort);
        TxRing ring = ring(port);
        FrameClaim c = ring.tryClaim();
        claimedOn = c == null ? null : ring;
        return c;
    }

    private TxRing ring(Port port) throws IOException {
        for (int i = 0; i < rings.length; i++) {
            TxRing r = rings[i];
            if (r.port().slotPort().equals(port.slotPort())) {
                if (r.port().ifIndex() == port.ifIndex() && r.port().mtu() >= port.mtu()) {
                    return r;
                }
                r.flush();
                r.close(); // the interface was re-created or its MTU grew: a new ring
                rings[i] = open(port);
                return rings[i];
            }
        }
        TxRing r = open(port);
        rings = Arrays.copyOf(rings, rings.length + 1);
        rings[rings.length - 1] = r;
        return r;
    }

    private TxRing open(Port port) throws IOException {
        int fd;
        try {
            fd = openSocket.open(port);
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("cannot open a transmit ring socket for port " + port.slotPort() + ": " + e.getMessage(), e);
        }
        return new TxRing(port, fd);
    }

    /** Hands every ring's committed frames to the kernel; returns how many. */
    public int flush() throws IOException {
        int n = 0;
        for (TxRing r : rings) {
            n += r.flush();
        }
        return n;
    }

    /** Frames handed to the kernel through the rings since they were made. */
    public long sent() {
        long n = 0;
        for (TxRing r : rings) {
            n += r.sent();
        }
        return n;
    }

    @Override
    public void close() {
        for (TxRing r : rings) {
            r.close();
        }
        rings = new TxRing[0];
        claimedOn = null;
    }
}
