package expkt.protocol.ping;

import expkt.api.net.Ipv4Address;
import expkt.api.vr.RawIpSocket;
import expkt.api.vr.VrSockets;
import expkt.codec.FrameBuilder;
import expkt.codec.MalformedPacketException;
import expkt.codec.ip.Icmp;
import expkt.codec.ip.IpProtocol;
import expkt.codec.ip.Ipv4;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * ICMP echo in a VR, the seed's Impacket example done properly: a raw IPv4 socket of the VR
 * ({@link VrSockets#rawSocket}) with IP_HDRINCL, each IPv4 + ICMP echo request built by the codec's
 * {@link FrameBuilder} with its checksums (the source address is left 0.0.0.0 for the kernel to fill
 * with the route's source, as raw(7) allows), replies matched by identifier, sequence and source and
 * read with the codec's views. Prints what iputils {@code ping} prints.
 *
 * <p>Threading: one run per call, on the caller's thread (a platform thread: the raw socket blocks in
 * poll(2)). Allocates per packet only the sender address the socket returns.
 */
public final class Pinger {
    private final VrSockets sockets;

    public Pinger(VrSockets sockets) {
        this.sockets = sockets;
    }

    /** Runs {@code request}, printing each line to {@code out}; returns the statistics. */
    public PingStatistics ping(PingRequest request, Consumer<String> out) throws IOException {
        Ipv4Address dst = request.destination();
        int identifier = ThreadLocalRandom.current().nextInt(1, 0x10000);
        PingStatistics stats = new PingStatistics();
        byte[] tx = new byte[20 + 8 + request.size()];
        byte[] rx = new byte[65536];
        byte[] data = new byte[request.size()];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (0x10 + i); // iputils' fill pattern after the timestamp
        }
        FrameBuilder builder = new FrameBuilder(tx);
        Ipv4 ip = new Ipv4();
        Icmp icmp = new Icmp();
        Icmp quoted = new Icmp();
        Ipv4 quotedIp = new Ipv4();
        long[] sentAt = new long[request.count() + 1];
        InetAddress destination = InetAddress.getByAddress(dst.toBytes());
        try (RawIpSocket socket = sockets.rawSocket(request.vr(), RawIpSocket.AF_INET, RawIpSocket.IPPROTO_ICMP)) {
            socket.setHeaderIncluded(true);
            out.accept("PING " + dst + " (" + dst + ") " + request.size() + "(" + tx.length + ") bytes of data.");
            long start = System.nanoTime();
            long intervalNanos = request.interval().toNanos();
            long nextSend = start;
            int seq = 0;
            long lingerUntil = Long.MAX_VALUE;
            long lastSent = start;
            while (true) {
                long now = System.nanoTime();
                if (seq < request.count() && now >= nextSend) {
                    seq++;
                    int len = builder.reset().ipv4(Ipv4Address.ANY, dst).ttl(64).identification(seq)
                            .icmpEcho(true, identifier, seq).payload(data).finish();
                    sentAt[seq] = System.nanoTime();
                    lastSent = sentAt[seq];
                    socket.send(tx, 0, len, destination);
                    stats.sent();
                    nextSend += intervalNanos;
                    if (seq == request.count()) {
                        lingerUntil = System.nanoTime() + request.linger().toNanos();
                    }
                    continue;
                }
                if (seq == request.count() && (stats.received() + stats.errors() >= request.count() || now >= lingerUntil)) {
                    break;
                }
                long wait = (seq < request.count() ? nextSend : lingerUntil) - now;
                socket.setReceiveTimeout(java.time.Duration.ofMillis(Math.max(1, wait / 1_000_000)));
                int n;
                try {
                    n = socket.receive(rx, 0, rx.length);
                } catch (SocketTimeoutException e) {
                    continue;
                }
                long arrived = System.nanoTime();
                try {
                    MemorySegment seg = MemorySegment.ofArray(rx);
                    ip.wrap(seg, 0, n);
                    if (ip.protocol() != IpProtocol.ICMP) {
                        continue;
                    }
                    icmp.wrapPayloadOf(ip);
                    if (icmp.type() == Icmp.ECHO_REPLY && icmp.identifier() == identifier && ip.sourceBits() == dst.toInt()) {
                        int s = icmp.sequence();
                        if (s < 1 || s > seq || sentAt[s] == 0) {
                            continue;
                        }
                        long micros = (arrived - sentAt[s]) / 1000;
                        sentAt[s] = 0; // a duplicate is not counted twice
                        stats.reply(micros);
                        out.accept((ip.totalLength() - ip.headerLength()) + " bytes from " + ip.source() + ": icmp_seq=" + s
                                + " ttl=" + ip.ttl() + " time=" + PingStatistics.formatTime(micros));
                    } else if (icmp.type() == Icmp.DESTINATION_UNREACHABLE || icmp.type() == Icmp.TIME_EXCEEDED) {
                        // the error quotes our IPv4 header and the first 8 bytes of our echo request
                        quotedIp.wrapAt(icmp, icmp.payloadOffset(), icmp.payloadLimit());
                        quoted.wrapPayloadOf(quotedIp);
                        if (quotedIp.protocol() == IpProtocol.ICMP && quoted.type() == Icmp.ECHO_REQUEST && quoted.identifier() == identifier) {
                            stats.error();
                            out.accept("From " + ip.source() + " icmp_seq=" + quoted.sequence() + " " + describe(icmp.type(), icmp.code()));
                        }
                    }
                } catch (MalformedPacketException e) {
                    // another ICMP packet of the VR that is not ours to understand
                }
            }
            // iputils' "time" runs from the first request to the last one sent (not to the last reply)
            long elapsedMillis = (sentAt[request.count()] == 0 ? lastSent : sentAt[request.count()]) - start;
            elapsedMillis = (elapsedMillis + 500_000) / 1_000_000;
            out.accept("");
            out.accept("--- " + dst + " ping statistics ---");
            out.accept(stats.summaryLine(elapsedMillis));
            String rtt = stats.rttLine();
            if (rtt != null) {
                out.accept(rtt);
            }
        }
        return stats;
    }

    static String describe(int type, int code) {
        if (type == Icmp.TIME_EXCEEDED) {
            return "Time to live exceeded";
        }
        return switch (code) {
            case 0 -> "Destination Net Unreachable";
            case 1 -> "Destination Host Unreachable";
            case 2 -> "Destination Protocol Unreachable";
            case 3 -> "Destination Port Unreachable";
            case 4 -> "Frag needed";
            case 13 -> "Communication prohibited by filter";
            default -> "Dest Unreachable, Bad Code: " + code;
        };
    }
}
