package expkt.api.packet;

import expkt.api.net.MacAddress;
import expkt.api.net.SlotPort;

/**
 * A data plane port: a slot:port name for a kernel interface.
 *
 * @param slotPort the EXOS name
 * @param ifName the kernel interface
 * @param ifIndex its index in its namespace
 * @param mac its MAC address
 * @param mtu its MTU (the largest payload after the Ethernet header)
 * @param vr name of the virtual router the interface belongs to
 */
public record Port(SlotPort slotPort, String ifName, int ifIndex, MacAddress mac, int mtu, String vr) {
}
