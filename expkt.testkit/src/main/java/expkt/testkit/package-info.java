/**
 * The test kit for protocol writers: {@link expkt.testkit.EmbeddedHandler} runs a
 * {@link expkt.api.handler.PacketHandler} without a kernel, in the spirit of Netty's
 * {@code EmbeddedChannel} — frames or a pcap file go in, what the handler sends comes out with
 * the ports or VLAN it was sent to, and time is the harness's own clock, advanced by the test.
 *
 * <p>It is the handler's environment, not a mock of the kernel: its {@link expkt.api.handler.PacketSender}
 * applies the provider's rules (known ports and VLANs only, untagged frames into a VLAN, tag
 * inserted on tagged members) and its {@link expkt.api.packet.ExosSockAddr} is filled as the
 * provider fills it for a received frame (slot:port, VLAN from the 802.1Q tag, which is taken
 * off the frame as the kernel's VLAN offload does, packet type from the destination MAC).
 *
 * <p>Threading: a harness is used by one thread (the test's), like a handler by its lane.
 */
@Export
@Version("1.0.0")
package expkt.testkit;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
