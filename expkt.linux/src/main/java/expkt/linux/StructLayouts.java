package expkt.linux;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The size and field offsets of every C struct that expkt reads or writes across the kernel
 * boundary (the FFM bindings of this package, and the provider's receive ring reader), per
 * architecture, each keyed by the C expression that computes it ({@code "sizeof(struct epoll_event)"},
 * {@code "offsetof(struct epoll_event, data)"}). {@code StructLayoutsTest} compiles those very
 * expressions with gcc (natively, and with the aarch64 cross compiler) and compares.
 *
 * <p>Why per architecture: the layouts differ. {@code struct epoll_event} is packed on x86-64 (12
 * bytes, data at 4) and naturally aligned on aarch64 (16 bytes, data at 8): an x86-64 layout on
 * aarch64 would let the kernel write past the event buffer. The other structs used here have the
 * same LP64 layout on both.
 *
 * <p>On an architecture whose layouts are not listed here, {@link #nativeLayouts()} throws an
 * {@link UnsupportedOperationException} naming it, and so does the class initialisation of every
 * binding that reads its layouts from here: expkt refuses to start rather than guess.
 *
 * <p>Threading: immutable after class initialisation.
 */
public final class StructLayouts {
    /** The architectures whose layouts are known, as {@code os.arch} names them (with aliases). */
    public enum Arch {
        X86_64("amd64", "x86_64"),
        AARCH64("aarch64", "arm64");

        private final String[] osArch;

        Arch(String... osArch) {
            this.osArch = osArch;
        }

        /** The architecture for a value of {@code os.arch}, or null if its layouts are not known. */
        public static Arch of(String osArch) {
            String a = osArch == null ? "" : osArch.strip().toLowerCase(Locale.ROOT);
            for (Arch arch : values()) {
                for (String name : arch.osArch) {
                    if (name.equals(a)) {
                        return arch;
                    }
                }
            }
            return null;
        }
    }

    private static final String OS_ARCH = System.getProperty("os.arch");
    private static final Arch NATIVE = Arch.of(OS_ARCH);
    private static final Map<Arch, Map<String, Long>> TABLES = tables();

    private StructLayouts() {
    }

    private static Map<Arch, Map<String, Long>> tables() {
        // LP64 Linux, the same on x86-64 and aarch64 (checked by the compiler in the test)
        Map<String, Long> lp64 = new LinkedHashMap<>();
        // sys/epoll.h: filled in per architecture below
        // poll.h
        size(lp64, "struct pollfd", 8);
        offset(lp64, "struct pollfd", "fd", 0);
        offset(lp64, "struct pollfd", "events", 4);
        offset(lp64, "struct pollfd", "revents", 6);
        // linux/if_packet.h: sockaddr_ll
        size(lp64, "struct sockaddr_ll", 20);
        offset(lp64, "struct sockaddr_ll", "sll_family", 0);
        offset(lp64, "struct sockaddr_ll", "sll_protocol", 2);
        offset(lp64, "struct sockaddr_ll", "sll_ifindex", 4);
        offset(lp64, "struct sockaddr_ll", "sll_hatype", 8);
        offset(lp64, "struct sockaddr_ll", "sll_pkttype", 10);
        offset(lp64, "struct sockaddr_ll", "sll_halen", 11);
        offset(lp64, "struct sockaddr_ll", "sll_addr", 12);
        // sys/socket.h, sys/uio.h: sendmmsg
        size(lp64, "struct mmsghdr", 64);
        offset(lp64, "struct mmsghdr", "msg_hdr.msg_name", 0);
        offset(lp64, "struct mmsghdr", "msg_hdr.msg_namelen", 8);
        offset(lp64, "struct mmsghdr", "msg_hdr.msg_iov", 16);
        offset(lp64, "struct mmsghdr", "msg_hdr.msg_iovlen", 24);
        offset(lp64, "struct mmsghdr", "msg_hdr.msg_control", 32);
        offset(lp64, "struct mmsghdr", "msg_hdr.msg_controllen", 40);
        offset(lp64, "struct mmsghdr", "msg_hdr.msg_flags", 48);
        offset(lp64, "struct mmsghdr", "msg_len", 56);
        size(lp64, "struct iovec", 16);
        offset(lp64, "struct iovec", "iov_base", 0);
        offset(lp64, "struct iovec", "iov_len", 8);
        // linux/filter.h: classic BPF
        size(lp64, "struct sock_filter", 8);
        offset(lp64, "struct sock_filter", "code", 0);
        offset(lp64, "struct sock_filter", "jt", 2);
        offset(lp64, "struct sock_filter", "jf", 3);
        offset(lp64, "struct sock_filter", "k", 4);
        size(lp64, "struct sock_fprog", 16);
        offset(lp64, "struct sock_fprog", "len", 0);
        offset(lp64, "struct sock_fprog", "filter", 8);
        // linux/if_packet.h: ring requests and statistics
        size(lp64, "struct tpacket_req3", 28);
        offset(lp64, "struct tpacket_req3", "tp_block_size", 0);
        offset(lp64, "struct tpacket_req3", "tp_block_nr", 4);
        offset(lp64, "struct tpacket_req3", "tp_frame_size", 8);
        offset(lp64, "struct tpacket_req3", "tp_frame_nr", 12);
        offset(lp64, "struct tpacket_req3", "tp_retire_blk_tov", 16);
        offset(lp64, "struct tpacket_req3", "tp_sizeof_priv", 20);
        offset(lp64, "struct tpacket_req3", "tp_feature_req_word", 24);
        size(lp64, "struct tpacket_req", 16);
        offset(lp64, "struct tpacket_req", "tp_block_size", 0);
        offset(lp64, "struct tpacket_req", "tp_block_nr", 4);
        offset(lp64, "struct tpacket_req", "tp_frame_size", 8);
        offset(lp64, "struct tpacket_req", "tp_frame_nr", 12);
        size(lp64, "struct tpacket_stats_v3", 12);
        offset(lp64, "struct tpacket_stats_v3", "tp_packets", 0);
        offset(lp64, "struct tpacket_stats_v3", "tp_drops", 4);
        offset(lp64, "struct tpacket_stats_v3", "tp_freeze_q_cnt", 8);
        // linux/if_packet.h: the ring's own headers (read by the provider's RxRing)
        offset(lp64, "struct tpacket_block_desc", "hdr.bh1.block_status", 8);
        offset(lp64, "struct tpacket_block_desc", "hdr.bh1.num_pkts", 12);
        offset(lp64, "struct tpacket_block_desc", "hdr.bh1.offset_to_first_pkt", 16);
        offset(lp64, "struct tpacket_block_desc", "hdr.bh1.blk_len", 20);
        offset(lp64, "struct tpacket3_hdr", "tp_next_offset", 0);
        offset(lp64, "struct tpacket3_hdr", "tp_sec", 4);
        offset(lp64, "struct tpacket3_hdr", "tp_nsec", 8);
        offset(lp64, "struct tpacket3_hdr", "tp_snaplen", 12);
        offset(lp64, "struct tpacket3_hdr", "tp_len", 16);
        offset(lp64, "struct tpacket3_hdr", "tp_status", 20);
        offset(lp64, "struct tpacket3_hdr", "tp_mac", 24);
        offset(lp64, "struct tpacket3_hdr", "hv1.tp_vlan_tci", 32);
        offset(lp64, "struct tpacket3_hdr", "hv1.tp_vlan_tpid", 36);
        lp64.put(TPACKET3_SLL, 48L); // where the kernel puts the sockaddr_ll after a V3 frame header
        offset(lp64, "struct tpacket2_hdr", "tp_status", 0);
        offset(lp64, "struct tpacket2_hdr", "tp_len", 4);
        offset(lp64, "struct tpacket2_hdr", "tp_snaplen", 8);
        offset(lp64, "struct tpacket2_hdr", "tp_mac", 12);
        offset(lp64, "struct tpacket2_hdr", "tp_sec", 16);
        offset(lp64, "struct tpacket2_hdr", "tp_nsec", 20);
        offset(lp64, "struct tpacket2_hdr", "tp_vlan_tci", 24);
        offset(lp64, "struct tpacket2_hdr", "tp_vlan_tpid", 26);
        lp64.put(TPACKET2_SLL, 32L);
        // net/if.h: interface listing and ioctls
        size(lp64, "struct if_nameindex", 16);
        offset(lp64, "struct if_nameindex", "if_index", 0);
        offset(lp64, "struct if_nameindex", "if_name", 8);
        size(lp64, "struct ifreq", 40);
        offset(lp64, "struct ifreq", "ifr_name", 0);
        offset(lp64, "struct ifreq", "ifr_flags", 16);
        offset(lp64, "struct ifreq", "ifr_mtu", 16);
        offset(lp64, "struct ifreq", "ifr_data", 16);
        offset(lp64, "struct ifreq", "ifr_hwaddr.sa_family", 16);
        offset(lp64, "struct ifreq", "ifr_hwaddr.sa_data", 18);
        // linux/ethtool.h
        size(lp64, "struct ethtool_drvinfo", 196);
        offset(lp64, "struct ethtool_drvinfo", "cmd", 0);
        offset(lp64, "struct ethtool_drvinfo", "driver", 4);
        // netinet/in.h
        size(lp64, "struct sockaddr_storage", 128);
        size(lp64, "struct sockaddr_in", 16);
        offset(lp64, "struct sockaddr_in", "sin_family", 0);
        offset(lp64, "struct sockaddr_in", "sin_port", 2);
        offset(lp64, "struct sockaddr_in", "sin_addr", 4);
        size(lp64, "struct sockaddr_in6", 28);
        offset(lp64, "struct sockaddr_in6", "sin6_family", 0);
        offset(lp64, "struct sockaddr_in6", "sin6_port", 2);
        offset(lp64, "struct sockaddr_in6", "sin6_addr", 8);
        offset(lp64, "struct sockaddr_in6", "sin6_scope_id", 24);

        Map<String, Long> x86 = new LinkedHashMap<>(lp64);
        // __EPOLL_PACKED: __attribute__((packed)) on x86-64 only
        size(x86, "struct epoll_event", 12);
        offset(x86, "struct epoll_event", "events", 0);
        offset(x86, "struct epoll_event", "data", 4);
        Map<String, Long> arm = new LinkedHashMap<>(lp64);
        size(arm, "struct epoll_event", 16);
        offset(arm, "struct epoll_event", "events", 0);
        offset(arm, "struct epoll_event", "data", 8);
        return Map.of(Arch.X86_64, Collections.unmodifiableMap(x86), Arch.AARCH64, Collections.unmodifiableMap(arm));
    }

    /** The C expression of the sockaddr_ll's offset in a TPACKET_V3 frame (TPACKET3_HDRLEN minus the sockaddr_ll). */
    public static final String TPACKET3_SLL = "TPACKET_ALIGN(sizeof(struct tpacket3_hdr))";
    /** The C expression of the sockaddr_ll's offset in a TPACKET_V2 frame. */
    public static final String TPACKET2_SLL = "TPACKET_ALIGN(sizeof(struct tpacket2_hdr))";

    private static void size(Map<String, Long> t, String struct, long value) {
        t.put(sizeExpr(struct), value);
    }

    private static void offset(Map<String, Long> t, String struct, String field, long value) {
        t.put(offsetExpr(struct, field), value);
    }

    static String sizeExpr(String struct) {
        return "sizeof(" + struct + ")";
    }

    static String offsetExpr(String struct, String field) {
        return "offsetof(" + struct + ", " + field + ")";
    }

    /**
     * Every layout of {@code arch}: C expression to value, in a stable order.
     */
    public static Map<String, Long> layouts(Arch arch) {
        return TABLES.get(arch);
    }

    /**
     * The layouts of the architecture this JVM runs on.
     *
     * @throws UnsupportedOperationException naming the architecture, if its layouts are not known
     */
    public static Map<String, Long> nativeLayouts() {
        return layouts(requireKnownArchitecture());
    }

    /**
     * The architecture this JVM runs on, if expkt knows its struct layouts. Components that use
     * this package call it when they start, so that an unknown architecture stops them with this
     * message rather than with whatever a wrong layout would do.
     *
     * @throws UnsupportedOperationException naming the architecture otherwise
     */
    public static Arch requireKnownArchitecture() {
        return require(OS_ARCH);
    }

    /** {@link Arch#of} that throws, naming {@code osArch}, for an architecture whose layouts are not known. */
    public static Arch require(String osArch) {
        Arch a = Arch.of(osArch);
        if (a == null) {
            throw new UnsupportedOperationException("expkt.linux knows the C struct layouts of x86-64 (os.arch amd64) and "
                    + "aarch64 only; this JVM runs on os.arch \"" + osArch + "\", whose layouts (struct epoll_event differs "
                    + "even between those two) have not been checked: refusing to start rather than let the kernel write "
                    + "past a buffer. Add the architecture to expkt.linux.StructLayouts and run StructLayoutsTest there.");
        }
        return a;
    }

    /** {@code sizeof(struct)} on this architecture, as an int (every struct here is small). */
    public static int size(String struct) {
        return value(sizeExpr(struct));
    }

    /** {@code offsetof(struct, field)} on this architecture. */
    public static int offset(String struct, String field) {
        return value(offsetExpr(struct, field));
    }

    /** The value of one C expression of the table on this architecture. */
    public static int value(String expression) {
        Long v = nativeLayouts().get(expression);
        if (v == null) {
            throw new IllegalArgumentException("no layout " + expression + " in expkt.linux.StructLayouts");
        }
        return Math.toIntExact(v);
    }
}
