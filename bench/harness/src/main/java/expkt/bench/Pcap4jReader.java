package expkt.bench;

import java.util.concurrent.atomic.AtomicLong;
import org.pcap4j.core.BpfProgram;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNetworkInterface.PromiscuousMode;
import org.pcap4j.core.PcapStat;
import org.pcap4j.core.RawPacketListener;

/**
 * The pcap4j contender: pcap4j-core (Maven Central) over Debian's libpcap, the same filter, counting
 * raw frames (no packet factory decoding: only the frame's bytes and its capture header are
 * touched). Same protocol as c-ring: "ready" when capturing; on SIGUSR1 "frames=N drops=D" from
 * pcap_stats.
 *
 * <p>Run in its own JVM (the harness starts it in the switch namespace, pinned to the receiver's
 * CPU): {@code java -Dorg.pcap4j.core.pcapLibName=/usr/lib/x86_64-linux-gnu/libpcap.so.0.8 -cp ...
 * expkt.bench.Pcap4jReader <ifname> [buffer_bytes]}.
 */
public final class Pcap4jReader {
    static final String FILTER = "ether proto 0x0842 and ether dst 00:e0:2b:00:00:00";

    private Pcap4jReader() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: Pcap4jReader <ifname> [buffer_bytes]");
            System.exit(1);
        }
        int buffer = args.length > 1 ? Integer.parseInt(args[1]) : 4 << 20;
        PcapHandle handle = new PcapHandle.Builder(args[0]).snaplen(65536)
                .promiscuousMode(PromiscuousMode.PROMISCUOUS).timeoutMillis(10).bufferSize(buffer).build();
        handle.setFilter(FILTER, BpfProgram.BpfCompileMode.OPTIMIZE);
        AtomicLong frames = new AtomicLong();
        long[] sink = new long[1];
        RawPacketListener listener = packet -> {
            sink[0] += packet[5] + packet.length;
            frames.lazySet(frames.get() + 1);
        };
        sun.misc.Signal.handle(new sun.misc.Signal("USR1"), sig -> {
            long drops;
            try {
                PcapStat st = handle.getStats();
                drops = st.getNumPacketsDropped();
            } catch (Exception e) {
                drops = -1;
            }
            System.out.println("frames=" + frames.get() + " drops=" + drops);
            System.out.flush();
        });
        System.out.println("ready");
        System.out.flush();
        handle.loop(-1, listener);
        System.err.println("checksum " + sink[0]);
    }
}
