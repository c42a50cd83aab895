package expkt.api.vr;

import org.osgi.annotation.versioning.ProviderType;

import java.io.IOException;

/**
 * What every expkt L3 socket has: a virtual router, which can be changed until the socket is bound or
 * connected (the seed's {@code set_vr()} and {@code SO_VRID}).
 *
 * <p>A kernel socket cannot move between network namespaces, so changing the VR of a socket that is
 * not yet bound or connected <em>replaces its kernel socket</em> with a new one made in the other VR;
 * options set before the change are not carried over (set them afterwards). On a bound or connected
 * socket the change is refused with an {@link IllegalStateException} naming the socket's state.
 */
@ProviderType
public interface VrScoped {

    /** The VR this socket lives in. */
    VirtualRouter vr();

    /**
     * Sets the VR by <em>name</em>: the seed's method "Set the virtual router that the socket operates
     * on. For L3 sockets only", which the seed's {@code SO_VRID} text calls {@code set_vrid()} ("The value
     * is the VR's id (vrid), not the VR's name. To set the virtual router by name, see set_vrid()"): a
     * ported {@code sock.set_vrid("VR-Default")} is {@code sock.setVr("VR-Default")}. Moves a
     * not-yet-bound socket to the VR of that name. An unknown name gives an
     * {@link IllegalArgumentException} naming it; {@link VirtualRouter#ALL} is refused here (see
     * {@link VrSockets#serverSocketAllVrs}).
     */
    void setVr(String name) throws IOException;

    /**
     * Sets the VR by <em>id</em>: what the seed does with {@code setsockopt(SOL_SOCKET, SO_VRID, vrid)}
     * (which calls this). Not the seed's {@code set_vrid()}, which takes a name: that is
     * {@link #setVr(String)}.
     */
    void setVrId(int vrId) throws IOException;

    /**
     * {@code getsockopt(SOL_SOCKET, SO_VRID)} gives the VR id (constants in
     * {@link expkt.api.packet.Expkt}); other options: see the implementing type.
     */
    int getsockopt(int level, int option) throws IOException;

    /** {@code setsockopt(SOL_SOCKET, SO_VRID, vrid)} is {@link #setVrId(int)}; other options: see the implementing type. */
    void setsockopt(int level, int option, int value) throws IOException;

    /** True once the socket is bound or connected: its VR can no longer change. */
    boolean isBound();
}
