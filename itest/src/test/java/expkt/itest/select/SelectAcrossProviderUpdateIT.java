package expkt.itest.select;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import javax.inject.Inject;

import org.junit.Before;
import org.junit.Test;
import org.ops4j.pax.exam.Option;
import org.osgi.framework.Bundle;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.cm.ConfigurationAdmin;

import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.Filter;
import expkt.api.packet.PacketSelector;
import expkt.api.packet.PacketService;
import expkt.api.packet.PacketSocket;
import expkt.api.vr.L3Socket;
import expkt.api.vr.VirtualRouters;
import expkt.api.vr.VrSockets;
import expkt.itest.ExpktOptions;
import expkt.itest.ExpktTestSupport;
import expkt.lab.Deadlines;
import expkt.lab.Lab;

/**
 * Issue 18, the seed's program shape across provider updates: one thread blocked in
 * {@link PacketSelector#select()} over an L2 socket and a UDP socket in a VR, and {@value #UPDATES}
 * in-place updates of {@code expkt.provider} ({@link Bundle#update()} and a refresh) while it is blocked.
 * Around each update a frame and a datagram are sent before (and reported before the update starts) and
 * after (reported once the next engine serves): every report comes with the very key objects registered
 * at the start, and the selecting thread never gets an exception (before the keeper kept the selector,
 * the update closed the engine's selector and the next {@code select} threw
 * {@code ClosedSelectorException}).
 */
public class SelectAcrossProviderUpdateIT extends ExpktTestSupport {
    private static final int UPDATES = 3;
    private static final int ETH = 0x88B8;
    private static final int UDP_PORT = 7120;
    private static final long WAIT_MS = 30_000;

    @Inject
    private ConfigurationAdmin cm;

    @Inject
    private VirtualRouters vrs;

    @Inject
    private VrSockets sockets;

    @Inject
    private PacketService packets;

    private SeedLab seed;

    @Override
    protected Lab.Builder labSpec() {
        return Lab.builder().ports(2);
    }

    @Override
    protected Option[] options() {
        return new Option[] {ExpktOptions.projectBundles("expkt.provider", "expkt.vr")};
    }

    @Before
    public void peers() throws Exception {
        seed = SeedLab.once(lab(), cm, vrs);
    }

    /** One report of the selecting thread: the key, and what was read from its socket. */
    private record Seen(PacketSelector.Key key, String what) {
    }

    @Test
    public void aSelectBlockedAcrossThreeProviderUpdatesKeepsItsKeysAndNeverThrows() throws Exception {
        try (PacketSocket l2 = packets.open();
             L3Socket<DatagramChannel> udp = sockets.udpSocket(SeedLab.VR, null);
             PacketSelector sel = packets.selector()) {
            l2.setupFilter(Filter.named("sel-upd").ethertype(ETH).build());
            l2.setBlocking(false);
            udp.channel().bind(new InetSocketAddress(SeedLab.VR_ADDR, UDP_PORT));
            udp.channel().configureBlocking(false);
            PacketSelector.Key l2Key = sel.register(l2, "l2");
            PacketSelector.Key udpKey = sel.register(udp, "udp");

            BlockingQueue<Seen> seen = new LinkedBlockingQueue<>();
            List<Throwable> thrown = new CopyOnWriteArrayList<>();
            CountDownLatch stopped = new CountDownLatch(1);
            java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
            Thread selecting = Thread.ofPlatform().name("seed-select-loop").start(() -> {
                ExosSockAddr from = new ExosSockAddr();
                byte[] buf = new byte[2048];
                ByteBuffer bb = ByteBuffer.allocate(2048);
                try {
                    while (running.get()) { // the seed's loop: selects until told to stop, whatever select returned
                        int n = sel.select(); // blocks: no timeout, the seed's loop
                        for (int i = 0; i < n; i++) {
                            PacketSelector.Key k = sel.selectedKeys().get(i);
                            if (k.socket() == l2) {
                                int len;
                                while ((len = l2.recvfrom(buf, from)) >= 0) {
                                    seen.add(new Seen(k, "frame " + (len > 14 ? buf[14] : -1)));
                                }
                            } else if (k.socket() == udp) {
                                bb.clear();
                                while (udp.channel().receive(bb) != null) {
                                    bb.flip();
                                    seen.add(new Seen(k, "udp " + StandardCharsets.US_ASCII.decode(bb)));
                                    bb.clear();
                                }
                            } else {
                                seen.add(new Seen(k, "unknown key " + k));
                            }
                        }
                    }
                } catch (java.nio.channels.ClosedSelectorException e) {
                    if (running.get()) {
                        thrown.add(e); // closed under the loop by something else than the test's end
                    }
                } catch (Throwable t) {
                    thrown.add(t);
                } finally {
                    stopped.countDown();
                }
            });

            Bundle provider = providerBundle();
            long providerId = provider.getBundleId();
            int marker = 0;
            for (int round = 1; round <= UPDATES; round++) {
                // before: reported on the engine serving now
                marker++;
                expect(seen, thrown, l2Key, "frame " + marker, marker, 1);
                expect(seen, thrown, udpKey, "udp before-" + round, marker, 0);
                awaitInSelect(selecting, sel);

                // the update, while the loop is blocked in select()
                String keeperBefore = expktCommand("keeper");
                provider.update();
                refresh(provider);
                assertEquals(Bundle.ACTIVE, provider.getState());
                assertEquals(providerId, providerBundle().getBundleId());
                int engines = round + 1;
                await("the keeper to serve on engine " + engines, WAIT_MS, () -> {
                    try {
                        return expktCommand("keeper").contains("engines since start: " + engines + " ");
                    } catch (Exception e) {
                        return false;
                    }
                });
                assertTrue("thrown by select after update " + round + ": " + thrown, thrown.isEmpty());
                assertTrue("keys after update " + round, l2Key.isValid() && udpKey.isValid());
                assertEquals(2, sel.keys().size());
                assertTrue(keeperBefore, sel.keys().contains(l2Key) && sel.keys().contains(udpKey));

                // after: reported on the next engine, with the same keys
                marker++;
                expect(seen, thrown, l2Key, "frame " + marker, marker, 1);
                expect(seen, thrown, udpKey, "udp after-" + round, marker, 0);
            }
            assertTrue("the select loop is still running", stopped.getCount() == 1);
            String keeper = expktCommand("keeper");
            assertTrue(keeper, keeper.contains("engines since start: " + (UPDATES + 1) + " ")
                    && keeper.contains("selectors: 1 kept, 2 key(s)"));
            assertEquals("thrown by the select loop", List.of(), thrown);
            running.set(false);
            sel.close();
            assertTrue("the loop ends when the selector closes", stopped.await(10, TimeUnit.SECONDS));
            assertEquals("thrown by the select loop", List.of(), thrown);
        }
    }

    /**
     * Sends a frame with {@code marker} into port 1:{@code port} (or, port 0, the datagram {@code what}
     * minus its "udp " prefix), again every 500 ms until the loop reports it (the first after an update
     * may come before the replayed filter is in place), and checks it came with {@code key}.
     */
    private void expect(BlockingQueue<Seen> seen, List<Throwable> thrown, PacketSelector.Key key, String what, int marker, int port)
            throws Exception {
        long deadline = System.nanoTime() + WAIT_MS * 1_000_000L;
        while (true) {
            if (port > 0) {
                seed.sendFrame(port, SeedLab.frame(ETH, marker));
            } else {
                seed.sendUdp(UDP_PORT, what.substring("udp ".length()));
            }
            long resend = System.nanoTime() + 500_000_000L;
            Seen s;
            while ((s = seen.poll(Math.max(1, (Math.min(resend, deadline) - System.nanoTime()) / 1_000_000L),
                    TimeUnit.MILLISECONDS)) != null) {
                if (s.what().equals(what)) {
                    assertSame("reported with the key registered at the start: " + s, key, s.key());
                    return;
                }
                // a resend of an earlier marker reported late: not this one
            }
            assertTrue("thrown by the select loop: " + thrown, thrown.isEmpty());
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("the select loop did not report " + what + " within " + WAIT_MS + " ms");
            }
        }
    }

    /** Until the loop's thread is in the selector's select (blocked there, as an update finds it). */
    private static void awaitInSelect(Thread selecting, PacketSelector sel) throws InterruptedException {
        String selectorClass = sel.getClass().getName();
        Deadlines.await(WAIT_MS, "the loop blocked in select()", () -> java.util.Arrays.stream(selecting.getStackTrace())
                .anyMatch(e -> e.getClassName().equals(selectorClass) && e.getMethodName().startsWith("select")));
    }

    private Bundle providerBundle() {
        for (Bundle b : context.getBundles()) {
            if ("expkt.provider".equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError("no bundle expkt.provider");
    }

    /** Refreshes what the update left pending, if anything, and waits for it (as expkt:refresh does after an update). */
    private void refresh(Bundle provider) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        // the bundles pending removal, not the provider itself: that would stop and start it once more
        context.getBundle(0).adapt(FrameworkWiring.class).refreshBundles(null, e -> {
            if (e.getType() == FrameworkEvent.PACKAGES_REFRESHED || e.getType() == FrameworkEvent.ERROR) {
                done.countDown();
            }
        });
        assertTrue("the refresh after the provider's update", done.await(WAIT_MS, TimeUnit.MILLISECONDS));
        assertNotNull(providerBundle());
    }
}
