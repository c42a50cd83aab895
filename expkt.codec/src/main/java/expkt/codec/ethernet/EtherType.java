package expkt.codec.ethernet;

/** Ethertypes the codec decodes. */
public final class EtherType {
    public static final int IPV4 = 0x0800;
    public static final int ARP = 0x0806;
    public static final int WAKE_ON_LAN = 0x0842;
    public static final int VLAN = 0x8100;
    public static final int IPV6 = 0x86DD;
    public static final int SERVICE_VLAN = 0x88A8;
    public static final int LLDP = 0x88CC;
    /** The pre-standard 802.1ad TPID some switches still use. */
    public static final int QINQ_LEGACY = 0x9100;
    /** Below this the field is an 802.3 length, not a type. */
    public static final int MIN_ETHERTYPE = 0x0600;

    private EtherType() {
    }
}
