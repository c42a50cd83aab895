package expkt.lab;

/**
 * A host namespace linked to one switch port.
 *
 * @param index 1-based; host {@code i} is on switch port {@code i} (interface {@code p<i>})
 * @param ns the host's namespace
 * @param ifName the host's interface, in {@code ns}
 * @param mac the host interface's MAC, as {@code aa:bb:cc:dd:ee:ff}
 * @param switchIf the switch-side interface, in the switch namespace
 * @param switchMac the switch-side interface's MAC
 */
public record Host(int index, String ns, String ifName, String mac, String switchIf, String switchMac) {
}
