package expkt.itest.dispatch;

import static expkt.lab.Deadlines.within;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceRegistration;

/**
 * In the framework: a protocol bundle whose handler (or callback) is stuck in bundle code while the
 * bundle stops. The stop returns within the provider's deadline, other bundles' handlers come and go
 * meanwhile, {@code expkt:handlers} answers and shows the handler as {@code stuck}; a callback that is
 * merely busy is waited for, and never called after its bundle's stop returned.
 */
public class StuckHandlerIT extends DispatchTestSupport {
    /** The provider's deadline for bundle code plus slack for a loaded machine. */
    static final long LIFECYCLE_MILLIS = 8_000;

    /** A recorder that blocks the calling bundle code until released (ignoring interrupts), or for {@code busyMillis}. */
    static final class BlockingRecorder implements java.util.function.ObjIntConsumer<String> {
        final java.util.concurrent.atomic.LongAdder total = new java.util.concurrent.atomic.LongAdder();
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicBoolean inCall = new AtomicBoolean();
        final AtomicLong lastEntry = new AtomicLong();
        final long busyMillis;

        BlockingRecorder(long busyMillis) {
            this.busyMillis = busyMillis;
        }

        @Override
        public void accept(String key, int seq) {
            inCall.set(true);
            lastEntry.set(System.nanoTime());
            total.increment();
            entered.countDown();
            try {
                boolean interrupted = false;
                while (true) {
                    try {
                        if (busyMillis > 0) {
                            Thread.sleep(busyMillis);
                        } else {
                            release.await();
                        }
                        break;
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
            } finally {
                inCall.set(false);
            }
        }
    }

    ServiceRegistration<?> register(java.util.function.ObjIntConsumer<String> r, String name) {
        java.util.Dictionary<String, Object> props = new java.util.Hashtable<>();
        props.put("expkt.itest.recorder", name);
        return context.registerService(java.util.function.ObjIntConsumer.class.getName(), r, props);
    }

    void send(int ethertype, int rounds) throws Exception {
        Path gen = generator();
        Path log = Files.createTempFile("seqgen", ".log");
        Process p = lab().spawn(lab().host(1).ns(), log, gen.toString(), "veth0", "0x" + Integer.toHexString(ethertype),
                Integer.toString(rounds), "1000");
        assertTrue("the generator finished", p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(Files.readString(log), 0, p.exitValue());
    }

    @Test
    public void aBundleWhoseHandlerIsStuckStopsWithinTheDeadlineAndEveryoneElseCarriesOn() throws Exception {
        BlockingRecorder stuck = new BlockingRecorder(0);
        Recorder other = new Recorder(16);
        List<ServiceRegistration<?>> regs = List.of(register(stuck, "stuck"), register(other, "other"));
        List<Bundle> bundles = new ArrayList<>();
        try {
            Bundle b = context.installBundle("stuck", TestBundles.stream(HandlerIsolationIT.behaviourBundle("expkt.itest.stuck",
                    "stuck", 0x88b6, "count", false)));
            bundles.add(b);
            b.start();
            awaitHandlers("handler\\s+expkt\\.itest\\.stuck .*active.*", 10_000);
            send(0x88b6, 3);
            assertTrue("the handler was called", stuck.entered.await(10, TimeUnit.SECONDS));

            long t0 = System.nanoTime();
            CompletableFuture<Void> stop = CompletableFuture.runAsync(() -> {
                try {
                    b.stop();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, r -> Thread.ofPlatform().daemon().name("it-stop").start(r));
            // meanwhile another bundle's handler comes, works and goes
            within(LIFECYCLE_MILLIS, "another bundle's start, frames and stop", () -> {
                Bundle o = context.installBundle("other", TestBundles.stream(HandlerIsolationIT.behaviourBundle("expkt.itest.other",
                        "other", 0x88b7, "count", false)));
                bundles.add(o);
                o.start();
                awaitHandlers("handler\\s+expkt\\.itest\\.other .*active.*", 10_000);
                send(0x88b7, 5);
                await("the other bundle's handler got 5 frames", 5_000, () -> other.total.sum() == 5);
                o.stop();
                return null;
            });
            within(LIFECYCLE_MILLIS, "the stuck bundle's stop", () -> stop.get());
            System.out.println("[stuck-it] the stuck bundle's stop returned after " + (System.nanoTime() - t0) / 1_000_000 + " ms");
            String table = within(LIFECYCLE_MILLIS, "expkt:handlers", () -> command("handlers"));
            System.out.println(table);
            assertTrue(table, table.matches("(?s).*handler\\s+expkt\\.itest\\.stuck \\[\\d+]\\s+1\\.0\\.0\\s+stuck\\s+ethertype 0x88b6\\s+stuck\\b.*"));

            stuck.release.countDown();
            await("the stuck row goes once the call returned", 5_000, () -> {
                try {
                    return !command("handlers").matches("(?s).*\\nhandler\\s+expkt\\.itest\\.stuck .*");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            await("the stuck socket's rule goes", 5_000, () -> !nftRuleset().contains("comment \"stuck\""));
            assertEquals("the stuck handler was called once", 1, stuck.total.sum());
        } finally {
            stuck.release.countDown();
            for (Bundle b : bundles) {
                b.uninstall();
            }
            regs.forEach(ServiceRegistration::unregister);
        }
    }

    @Test
    public void aBusyCallbackIsWaitedForAtItsBundlesStopAndNeverCalledAfterwards() throws Exception {
        BlockingRecorder busy = new BlockingRecorder(500);
        ServiceRegistration<?> reg = register(busy, "cb-busy");
        Bundle b = context.installBundle("cb-busy", TestBundles.stream(HandlerIsolationIT.behaviourBundle("expkt.itest.cbbusy",
                "cb-busy", 0x88b8, "count", false, "callback")));
        Recorder seen = new Recorder(16);
        ServiceRegistration<?> witnessReg = register(seen, "cb-witness");
        Bundle witness = context.installBundle("cb-witness", TestBundles.stream(HandlerIsolationIT.behaviourBundle("expkt.itest.cbwitness",
                "cb-witness", 0x88b8, "count", false, "callback")));
        try {
            b.start();
            awaitHandlers("callback\\s+expkt\\.itest\\.cbbusy .*", 10_000);
            send(0x88b8, 1);
            assertTrue("the callback was called", busy.entered.await(10, TimeUnit.SECONDS));
            within(LIFECYCLE_MILLIS, "the busy callback's bundle stop", () -> {
                b.stop();
                return null;
            });
            long stopped = System.nanoTime();
            assertFalse("the bundle's stop returned while its callback still ran", busy.inCall.get());
            // a witness: another bundle's callback on the same ethertype; once it has frames of the burst
            // sent after the stop, the stopped bundle's callback would have been called by then too
            witness.start();
            awaitHandlers("callback\\s+expkt\\.itest\\.cbwitness .*", 10_000);
            send(0x88b8, 5);
            await("the witness callback got frames sent after the stop", 10_000, () -> seen.total.sum() > 0);
            assertTrue("the callback ran after its bundle's stop returned", busy.lastEntry.get() - stopped < 0);
            assertFalse(nftRuleset().contains("cb-busy"));
        } finally {
            b.uninstall();
            witness.uninstall();
            reg.unregister();
            witnessReg.unregister();
        }
    }
}
