package expkt.protocol.examples;

import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.PacketSocket;

import java.io.IOException;
import java.util.Arrays;
import java.util.function.Consumer;

/** The seed's "Asynchronous Callbacks" example. */
public final class CallbackExample {
    private CallbackExample() {
    }

    /** Sets the seed's packet_handler on {@code sock}; {@code doSomething} gets each packet. */
    public static void install(PacketSocket sock, Consumer<byte[]> doSomething) throws IOException {
        byte[] buf = new byte[8192];
        ExosSockAddr addr = new ExosSockAddr();
        // def packet_handler(handled_sock):
        sock.setCallback(handledSock -> {
            // pkt, addr = handled_sock.recvfrom(8192)
            int n = handledSock.recvfrom(buf, addr);
            if (n >= 0) { // -1: nothing (more) to read; a read here never blocks
                // # Do something with pkt
                doSomething.accept(Arrays.copyOf(buf, n));
            }
        // sock.set_callback(packet_handler) -- the seed's registering line is missing from its text; the default
        // buf_size=9000 and flags=0 apply
        });
    }
}
