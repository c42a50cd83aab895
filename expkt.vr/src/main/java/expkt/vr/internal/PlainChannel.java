package expkt.vr.internal;

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
}
