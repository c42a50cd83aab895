package expkt.vr.internal;

import expkt.api.runtime.VrSocketDTO;
import expkt.api.vr.VirtualRouter;

import java.io.IOException;
import java.nio.channels.NetworkChannel;

/** A plain JDK channel handed out by VrSockets, as its owner sees it. */
record PlainChannel(String kind, VirtualRouter vr, NetworkChannel channel) implements SocketOwner.Owned {
    @Override
    public boolean isOpen() {
        return channel.isOpen();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    @Override
    public String describe() {
        String local;
        try {
            local = String.valueOf(channel.getLocalAddress());
        } catch (IOException e) {
            local = "?";
        }
        return kind + " " + vr.name() + "(" + vr.id() + ") " + ("null".equals(local) ? "unbound" : "local " + local);
    }

    @Override
    public VrSocketDTO dto() {
        VrSocketDTO d = new VrSocketDTO();
        d.kind = VrSocketDTO.L3;
        d.transport = kind;
        d.ipProtocol = kind.equals("udp") ? 17 : 6;
        d.localAddress = VrSocketRows.local(channel);
        d.remoteAddress = VrSocketRows.remote(channel);
        d.family = VrSocketRows.familyOf(channel);
        d.vrId = vr.id();
        d.vr = vr.name();
        d.received = -1;
        return d;
    }
}
