package expkt.vr.component;

import expkt.api.spi.BundleIdentity;
import expkt.api.vr.AllVrServerSocket;
import expkt.api.vr.L3Socket;
import expkt.api.vr.RawIpSocket;
import expkt.api.vr.VirtualRouter;
import expkt.api.vr.VrSockets;
import expkt.vr.internal.SocketOwner;
import expkt.vr.internal.VrSocketsImpl;
import expkt.vr.internal.VrTable;
import org.osgi.framework.Bundle;
import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ServiceScope;

import java.io.IOException;
import java.net.ProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * VrSockets for one bundle (bundle scope): sockets it opens are that bundle's and are closed when the
 * bundle releases the service (it stops, or ungets it).
 */
@Component(scope = ServiceScope.BUNDLE)
public final class VrSocketsService implements VrSockets {
    private final VrRegistry registry;
    private final SocketOwner owner;
    private final VrSocketsImpl impl;

    @Activate
    public VrSocketsService(@Reference VrRegistry registry, ComponentContext context) {
        this.registry = registry;
        Bundle user = context.getUsingBundle();
        VrTable table = registry.table();
        String bsn = user == null ? null : user.getSymbolicName();
        String declared = VirtualRoutersService.declaredVr(user);
        this.owner = new SocketOwner(user == null ? BundleIdentity.outsideOsgi("(unknown)")
                : BundleIdentity.of(user.getBundleId(), String.valueOf(bsn), user.getVersion().toString()));
        this.impl = new VrSocketsImpl(table, registry.exec(), owner, () -> table.affinity(bsn, declared), registry::dispatcher);
        table.addOwner(owner);
    }

    @Deactivate
    void deactivate() {
        int n = owner.closeAll();
        registry.table().removeOwner(owner);
        if (n > 0) {
            registry.log().info("closed {} socket(s) left open by {}", n, owner.owner());
        }
    }

    @Override
    public VirtualRouter affinity() {
        return impl.affinity();
    }

    @Override
    public DatagramChannel openDatagramChannel(String vr, ProtocolFamily family) throws IOException {
        return impl.openDatagramChannel(vr, family);
    }

    @Override
    public SocketChannel openSocketChannel(String vr, ProtocolFamily family) throws IOException {
        return impl.openSocketChannel(vr, family);
    }

    @Override
    public ServerSocketChannel openServerSocketChannel(String vr, ProtocolFamily family) throws IOException {
        return impl.openServerSocketChannel(vr, family);
    }

    @Override
    public L3Socket<DatagramChannel> udpSocket(String vr, ProtocolFamily family) throws IOException {
        return impl.udpSocket(vr, family);
    }

    @Override
    public L3Socket<SocketChannel> tcpSocket(String vr, ProtocolFamily family) throws IOException {
        return impl.tcpSocket(vr, family);
    }

    @Override
    public L3Socket<ServerSocketChannel> tcpServerSocket(String vr, ProtocolFamily family) throws IOException {
        return impl.tcpServerSocket(vr, family);
    }

    @Override
    public RawIpSocket rawSocket(String vr, int domain, int protocol) throws IOException {
        return impl.rawSocket(vr, domain, protocol);
    }

    @Override
    public AllVrServerSocket serverSocketAllVrs(ProtocolFamily family) throws IOException {
        return impl.serverSocketAllVrs(family);
    }
}
