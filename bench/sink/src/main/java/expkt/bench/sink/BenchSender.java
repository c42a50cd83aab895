package expkt.bench.sink;

import expkt.api.net.SlotPort;
import expkt.api.packet.FrameClaim;
import expkt.api.packet.PacketService;
import expkt.api.packet.PacketSocket;
import java.nio.ByteBuffer;
import java.util.List;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * The expkt contender of the send benchmark (mode {@code tx}): after {@code expkt.bench.tx.delayMs},
 * sends {@code expkt.bench.tx.count} 60-byte frames out of port {@code expkt.bench.tx.port} (slot:port)
 * with one {@code sendto} each — or, with {@code expkt.bench.tx.batch=B}, in bursts of B frames through
 * {@code sendBurst}, or with {@code expkt.bench.tx.claim=true} built in place in the port's transmit ring
 * ({@code tryClaim}, a flush per 64 frames) — as fast as it goes, then writes {@code state=done sent=N ns=T}. The harness
 * counts what arrives on the far side.
 */
@Component(immediate = true)
public final class BenchSender {
    private final PacketSocket socket;
    private final Thread sender;
    private final Logger log;
    private volatile BenchStatus status;
    private volatile String state = "state=starting";

    @Activate
    public BenchSender(BundleContext context, @Reference PacketService packets,
                       @Reference(service = LoggerFactory.class) Logger log) throws Exception {
        this.log = log;
        if (!"tx".equals(context.getProperty("expkt.bench.mode"))) {
            socket = null;
            sender = null;
            return;
        }
        long count = Long.parseLong(context.getProperty("expkt.bench.tx.count"));
        long delayMs = Long.parseLong(String.valueOf(context.getProperty("expkt.bench.tx.delayMs")).replace("null", "1000"));
        List<SlotPort> out = List.of(SlotPort.parse(context.getProperty("expkt.bench.tx.port")));
        socket = packets.open();
        status = new BenchStatus(context.getProperty("expkt.bench.status"), () -> state);
        int batch = Integer.parseInt(String.valueOf(context.getProperty("expkt.bench.tx.batch")).replace("null", "1"));
        boolean claim = "true".equals(context.getProperty("expkt.bench.tx.claim"));
        byte[] dst = {0x00, (byte) 0xe0, 0x2b, 0x00, 0x00, 0x00};
        List<ByteBuffer> burst = new java.util.ArrayList<>();
        for (int i = 0; i < Math.max(1, batch); i++) {
            ByteBuffer f = ByteBuffer.allocateDirect(60);
            f.put(dst).put(new byte[] {0x02, 0, 0, 0, 0, 0x02}).putShort((short) 0x0842);
            burst.add(f);
        }
        ByteBuffer frame = burst.get(0);
        sender = Thread.ofPlatform().name("expkt-bench-sender").start(() -> {
            try {
                Thread.sleep(delayMs);
                state = "state=sending";
                long t0 = System.nanoTime();
                long sent = 0;
                if (claim) {
                    // tryClaim: each frame written straight into the port's transmit ring, one flush per 64
                    byte[] template = new byte[60];
                    frame.clear();
                    frame.get(template);
                    SlotPort port = out.get(0);
                    while (sent < count) {
                        FrameClaim c = socket.tryClaim(port);
                        if (c == null) { // every slot queued or leaving: hand them over, try again
                            socket.flush();
                            Thread.onSpinWait();
                            continue;
                        }
                        c.buffer().put(template);
                        c.commit(60);
                        if ((++sent & 63) == 0) {
                            socket.flush();
                        }
                    }
                    socket.flush();
                } else if (batch <= 1) {
                    for (; sent < count; sent++) {
                        frame.clear();
                        socket.sendto(frame, out);
                    }
                } else {
                    while (sent < count) {
                        for (int i = 0; i < burst.size(); i++) {
                            burst.get(i).clear();
                        }
                        sent += socket.sendBurst(burst, out);
                    }
                }
                long ns = System.nanoTime() - t0;
                state = "state=done sent=" + sent + " ns=" + ns;
            } catch (InterruptedException e) {
                state = "state=interrupted";
            } catch (Exception e) {
                state = "state=failed error=" + e.toString().replace(' ', '_');
                log.error("benchmark sender failed", e);
            }
        });
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        if (socket != null) {
            sender.interrupt();
            sender.join(2000);
            socket.close();
            status.close();
        }
    }
}
