package expkt.itest.l2;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Dictionary;
import java.util.HexFormat;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.Test;
import org.ops4j.pax.exam.Option;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;

import expkt.api.handler.PacketHandler;
import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.Filter;
import expkt.api.packet.FrameView;
import expkt.api.packet.PacketService;
import expkt.api.packet.PacketSocket;
import expkt.itest.ExpktOptions;
import expkt.itest.ExpktTestSupport;
import expkt.lab.Lab;
import expkt.linux.Fds;
import expkt.linux.NetInterfaces;
import expkt.linux.NetNs;
import expkt.linux.PacketSockets;

/**
 * Frames come up whole (issue 16 item 3; the seed: "pkt is a string containing the entire packet,
 * including L2 headers"): a lab host sends an 802.1Q-tagged frame, a QinQ frame (802.1ad outside,
 * 802.1Q inside) and an untagged one; tcpdump on the sender's veth0 records what left it; what
 * {@code recvfrom} returned and what a whiteboard handler's {@link FrameView} held equal those bytes,
 * byte for byte, though the kernel moved each outer tag into metadata on the way. A view the handler
 * kept throws once {@code handle()} returned (issue 14).
 */
public class WholeFrameIT extends ExpktTestSupport {
    private static final byte[] SRC = {2, 0, 0, 0, 0x16, 0x03};

    @Override
    protected Lab.Builder labSpec() {
        return Lab.builder().ports(2).bridge(true);
    }

    @Override
    protected Option[] options() {
        return new Option[] {ExpktOptions.projectBundles("expkt.provider")};
    }

    /** dst, {@link #SRC}, the (TPID, TCI) pairs of {@code tags}, ethertype 0x0842 and a payload: {@code total} bytes. */
    private static byte[] frame(int total, int... tags) {
        ByteBuffer b = ByteBuffer.allocate(total);
        b.put(new byte[] {0x00, (byte) 0xE0, 0x2B, 0, 0, 0x16}).put(SRC);
        for (int i = 0; i < tags.length; i += 2) {
            b.putShort((short) tags[i]).putShort((short) tags[i + 1]);
        }
        b.putShort((short) 0x0842);
        while (b.hasRemaining()) {
            b.put((byte) (b.position() * 7));
        }
        return b.array();
    }

    private void sendFromHost(int i, List<byte[]> frames) throws Exception {
        try (NetNs ns = NetNs.open(lab().host(i).ns())) {
            AtomicReference<Exception> failed = new AtomicReference<>();
            Thread t = Thread.ofPlatform().start(() -> {
                try {
                    NetNs.call(ns, () -> {
                        int index = NetInterfaces.list().stream().filter(n -> n.name().equals("veth0")).findFirst().orElseThrow().index();
                        int fd = PacketSockets.open(0);
                        try (Arena a = Arena.ofConfined()) {
                            MemorySegment sll = a.allocate(PacketSockets.SOCKADDR_LL_SIZE, 8);
                            for (byte[] frame : frames) {
                                MemorySegment buf = a.allocate(frame.length);
                                MemorySegment.copy(frame, 0, buf, ValueLayout.JAVA_BYTE, 0, frame.length);
                                PacketSockets.writeSockaddrLl(sll, 0, ((frame[12] & 0xFF) << 8) | (frame[13] & 0xFF), index, 0);
                                PacketSockets.sendto(fd, buf, frame.length, sll, 0);
                            }
                        } finally {
                            Fds.closeQuietly(fd);
                        }
                        return null;
                    });
                } catch (Exception e) {
                    failed.set(e);
                }
            });
            t.join();
            if (failed.get() != null) {
                throw failed.get();
            }
        }
    }

    /** The frames of a pcap file (either byte order, micro- or nanoseconds) whose source MAC is {@link #SRC}. */
    private static List<byte[]> pcapFrames(Path file) throws Exception {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file));
        int magic = b.getInt(0);
        if (magic == 0xD4C3B2A1 || magic == 0x4D3CB2A1) {
            b.order(ByteOrder.LITTLE_ENDIAN);
        }
        b.position(24);
        List<byte[]> out = new ArrayList<>();
        while (b.remaining() >= 16) {
            b.getInt();
            b.getInt();
            int captured = b.getInt();
            b.getInt();
            if (b.remaining() < captured) {
                break; // a record still being written
            }
            byte[] f = new byte[captured];
            b.get(f);
            if (f.length >= 12 && Arrays.equals(Arrays.copyOfRange(f, 6, 12), SRC)) {
                out.add(f);
            }
        }
        return out;
    }

    private static String hex(List<byte[]> frames) {
        return frames.stream().map(f -> HexFormat.of().formatHex(f)).toList().toString();
    }

    @Test
    public void taggedAndQinQFramesComeUpByteForByteAsTheSenderCapturedThem() throws Exception {
        await("the packet service", 10_000, () -> context.getServiceReference(PacketService.class) != null);
        ServiceReference<PacketService> ref = context.getServiceReference(PacketService.class);
        PacketService packets = context.getService(ref);

        List<byte[]> handled = new CopyOnWriteArrayList<>();
        List<ExosSockAddr> handledFrom = new CopyOnWriteArrayList<>();
        AtomicReference<FrameView> kept = new AtomicReference<>();
        PacketHandler handler = (frame, from, sender) -> {
            handled.add(frame.toArray());
            handledFrom.add(from.copy());
            kept.set(frame); // a bug on purpose: the view must not outlive handle()
        };
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(PacketHandler.FILTER_NAME, "whole-handler");
        props.put(PacketHandler.FILTER_ETHERTYPE, 0x0842);
        ServiceRegistration<PacketHandler> reg = context.registerService(PacketHandler.class, handler, props);
        Path dir = Files.createTempDirectory("xk-whole");
        Path pcap = dir.resolve("sender.pcap");
        Path log = dir.resolve("tcpdump.log");
        Process tcpdump = null;
        try (PacketSocket socket = packets.open()) {
            socket.setupFilter(Filter.named("whole-socket").ethertype(0x0842).build());
            socket.setTimeout(Duration.ofMillis(300));
            await("the handler's filter to be in place", 10_000, () -> {
                try {
                    ServiceReference<?>[] refs = context.getServiceReferences((String) null,
                            "(&(osgi.command.scope=expkt)(osgi.command.function=handlers))");
                    if (refs == null) {
                        return false;
                    }
                    Object svc = context.getService(refs[0]);
                    return String.valueOf(svc.getClass().getMethod("handlers").invoke(svc)).contains("whole-handler");
                } catch (ReflectiveOperationException | org.osgi.framework.InvalidSyntaxException e) {
                    throw new IllegalStateException(e);
                }
            });
            // the sender's side: what left host 1's veth0, as tcpdump (libpcap) records it
            tcpdump = lab().spawn(lab().host(1).ns(), log, "tcpdump", "-n", "-U", "-Q", "out", "-i", "veth0", "-w", pcap.toString());
            await("tcpdump to listen", 15_000, () -> {
                try {
                    return Files.exists(log) && Files.readString(log).contains("listening on");
                } catch (java.io.IOException e) {
                    return false;
                }
            });
            List<byte[]> sent = List.of(
                    frame(64, 0x8100, 0xA064),                  // 802.1Q vid 100, priority 5
                    frame(72, 0x88A8, 0x00C8, 0x8100, 0x0064),   // QinQ: 802.1ad vid 200 outside, 802.1Q vid 100 inside
                    frame(64));                                 // untagged
            sendFromHost(1, sent);

            List<byte[]> received = new ArrayList<>();
            List<ExosSockAddr> from = new ArrayList<>();
            byte[] buf = new byte[9000];
            ExosSockAddr a = new ExosSockAddr();
            long deadline = System.currentTimeMillis() + 10_000;
            while (received.size() < sent.size() && System.currentTimeMillis() < deadline) {
                int n = socket.recvfrom(buf, a);
                if (n >= 0) {
                    received.add(Arrays.copyOf(buf, n));
                    from.add(a.copy());
                }
            }
            await("the handler to get the three frames", 10_000, () -> handled.size() >= sent.size());
            await("tcpdump to write the three frames", 10_000, () -> {
                try {
                    return pcapFrames(pcap).size() >= sent.size();
                } catch (Exception e) {
                    return false;
                }
            });
            List<byte[]> onTheWire = pcapFrames(pcap);
            assertEquals("what tcpdump saw leave the sender is what was sent", hex(sent), hex(onTheWire));
            assertEquals("recvfrom: byte for byte as on the wire", hex(onTheWire), hex(received));
            assertEquals("the handler's FrameView: byte for byte as on the wire", hex(onTheWire), hex(handled));
            // the address repeats the outer tag
            assertEquals(List.of(100, 200, -1), from.stream().map(ExosSockAddr::vlanId).toList());
            assertEquals(List.of(0x8100, 0x88A8, 0), from.stream().map(ExosSockAddr::vlanTpid).toList());
            assertEquals(List.of(0xA064, 0x00C8, -1), from.stream().map(ExosSockAddr::vlanTci).toList());
            assertEquals(List.of(64, 72, 64), from.stream().map(ExosSockAddr::capturedLength).toList());
            assertEquals(List.of(100, 200, -1), handledFrom.stream().map(ExosSockAddr::vlanId).toList());

            // the view the handler kept: released when handle() returned, so reading it throws (not a recycled slot)
            FrameView stale = kept.get();
            assertFalse(stale.isValid());
            try {
                stale.getUnsignedShort(12);
                throw new AssertionError("a FrameView kept past handle() was readable");
            } catch (IllegalStateException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("valid only during handle()"));
            }
        } finally {
            if (tcpdump != null) {
                tcpdump.destroy();
                tcpdump.waitFor();
            }
            reg.unregister();
            context.ungetService(ref);
            Files.deleteIfExists(pcap);
            Files.deleteIfExists(log);
            Files.deleteIfExists(dir);
        }
    }
}
