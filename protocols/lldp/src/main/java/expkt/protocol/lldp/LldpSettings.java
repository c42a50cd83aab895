package expkt.protocol.lldp;

import expkt.api.net.Ipv4Address;
import expkt.api.net.MacAddress;

/**
 * The agent's validated configuration (from {@link LldpConfig}).
 *
 * @param txIntervalSeconds msgTxInterval, 1..3600
 * @param txHold msgTxHold (the TTL multiplier), 1..100
 * @param fastCount txFastInit: LLDPDUs a new port gets one second apart, 0..8
 * @param systemName advertised system name
 * @param systemDescription advertised system description
 * @param managementAddress advertised IPv4 management address, or null
 * @param chassisMac chassis ID, or null for the lowest port MAC
 * @param maxNeighbors size of the neighbour table
 */
public record LldpSettings(int txIntervalSeconds, int txHold, int fastCount, String systemName, String systemDescription,
                           Ipv4Address managementAddress, MacAddress chassisMac, int maxNeighbors) {
    public LldpSettings {
        if (txIntervalSeconds < 1 || txIntervalSeconds > 3600) {
            throw new IllegalArgumentException("LLDP tx interval " + txIntervalSeconds + " s is outside 1..3600");
        }
        if (txHold < 1 || txHold > 100) {
            throw new IllegalArgumentException("LLDP TTL multiplier (tx hold) " + txHold + " is outside 1..100");
        }
        if (fastCount < 0 || fastCount > 8) {
            throw new IllegalArgumentException("LLDP fast-start count " + fastCount + " is outside 0..8");
        }
        if (systemName != null && systemName.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 255) {
            throw new IllegalArgumentException("LLDP system name \"" + systemName + "\" is longer than 255 bytes");
        }
        if (systemDescription != null && systemDescription.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 255) {
            throw new IllegalArgumentException("LLDP system description \"" + systemDescription + "\" is longer than 255 bytes");
        }
        if (maxNeighbors < 1 || maxNeighbors > 100_000) {
            throw new IllegalArgumentException("LLDP neighbour table size " + maxNeighbors + " is outside 1..100000");
        }
    }

    /** txTTL = min(65535, msgTxInterval * msgTxHold + 1) (IEEE 802.1AB-2009 9.2.5.22). */
    public int ttl() {
        return Math.min(65535, txIntervalSeconds * txHold + 1);
    }

    /** From the Metatype configuration; a bad value gives an IllegalArgumentException naming it. */
    public static LldpSettings from(LldpConfig c) {
        String mgmt = c.management_address();
        String chassis = c.chassis_id();
        return new LldpSettings(c.tx_interval(), c.tx_hold(), c.fast_tx_count(),
                c.system_name().isEmpty() ? hostName() : c.system_name(),
                c.system_description().isEmpty() ? defaultDescription() : c.system_description(),
                mgmt == null || mgmt.isBlank() ? null : Ipv4Address.parse(mgmt.strip()),
                chassis == null || chassis.isBlank() ? null : MacAddress.parse(chassis.strip()),
                c.max_neighbors());
    }

    static String hostName() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (java.io.IOException e) {
            return "expkt";
        }
    }

    static String defaultDescription() {
        return "expkt switch, Linux " + System.getProperty("os.version");
    }
}
