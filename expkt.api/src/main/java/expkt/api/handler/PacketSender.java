package expkt.api.handler;

import expkt.api.net.SlotPort;
import org.osgi.annotation.versioning.ProviderType;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Sends frames for a handler, with the same rules as {@link expkt.api.packet.PacketSocket}'s
 * {@code sendto}: out of exactly the given ports, or into a VLAN (tagged on tagged members).
 */
@ProviderType
public interface PacketSender {
    void sendto(ByteBuffer frame, List<SlotPort> slotPorts) throws IOException;

    void sendto(ByteBuffer frame, String vlanName) throws IOException;
}
