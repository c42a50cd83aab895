package expkt.codec.ip;

/** IP protocol numbers (IPv4 protocol, IPv6 next header) the codec decodes. */
public final class IpProtocol {
    public static final int HOP_BY_HOP = 0;
    public static final int ICMP = 1;
    /** IPv4 in IP (RFC 2003). */
    public static final int IPV4 = 4;
    public static final int TCP = 6;
    public static final int UDP = 17;
    /** IPv6 in IP (RFC 2473). */
    public static final int IPV6 = 41;
    public static final int IPV6_ROUTING = 43;
    public static final int IPV6_FRAGMENT = 44;
    public static final int ESP = 50;
    public static final int AUTHENTICATION = 51;
    public static final int ICMPV6 = 58;
    public static final int IPV6_NO_NEXT = 59;
    public static final int IPV6_DESTINATION_OPTIONS = 60;

    private IpProtocol() {
    }
}
