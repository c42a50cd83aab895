package expkt.provider;

import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.Filter;
import expkt.api.packet.FrameView;
import expkt.provider.command.HandlerTables;
import expkt.provider.dispatch.LaneRegistry;
import expkt.provider.socket.PacketSocketImpl;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * set_callback on the shared dispatcher with a callback that throws on every frame and one that
 * sleeps on every frame (and reads "until -1", as the seed's callbacks do): a healthy callback on a
 * third socket still gets every frame, the sleeper is moved to a thread of its own and only its ring
 * drops, and {@code expkt:handlers} shows the counts. Prints the healthy callback's latency (kernel
 * timestamp to the callback); nothing about timing is asserted.
 */
class CallbackIsolationTest extends L2ProviderTestBase {
    static final int FRAMES = 6000;
    static final int WARM_UP = 1 << 30;

    @Test
    void aThrowingAndASleepingCallbackDoNotHoldBackAHealthyOne() throws Exception {
        engine();
        Wire h1 = wire(1);
        PacketSocketImpl thrower = engine.open(OWNER);
        PacketSocketImpl sleeper = engine.open(OWNER);
        PacketSocketImpl healthy = engine.open(OWNER);
        thrower.setupFilter(Filter.named("cb-thrower").ethertype(0x88b5).build());
        sleeper.setupFilter(Filter.named("cb-sleeper").ethertype(0x88b6).build());
        healthy.setupFilter(Filter.named("cb-healthy").ethertype(0x0842).build());
        for (PacketSocketImpl s : new PacketSocketImpl[] {thrower, sleeper, healthy}) {
            s.setBlocking(false);
        }
        AtomicLong thrown = new AtomicLong();
        AtomicIntegerArray seen = new AtomicIntegerArray(FRAMES);
        long[] latency = new long[FRAMES];
        AtomicLong n = new AtomicLong();
        thrower.setCallback(sock -> {
            ExosSockAddr a = new ExosSockAddr();
            if (sock.receive(a) != null) {
                thrown.incrementAndGet();
                throw new IllegalStateException("a protocol bug on every frame");
            }
        });
        sleeper.setCallback(sock -> {
            ExosSockAddr a = new ExosSockAddr();
            while (sock.receive(a) != null) { // "until -1": the budget ends the call
                Thread.sleep(2);
            }
        });
        ExosSockAddr ha = new ExosSockAddr();
        java.util.concurrent.atomic.AtomicInteger warmed = new java.util.concurrent.atomic.AtomicInteger();
        healthy.setCallback(sock -> {
            FrameView f;
            while ((f = sock.receive(ha)) != null) {
                int seq = f.getInt(14);
                if (seq >= WARM_UP) {
                    warmed.incrementAndGet();
                    continue;
                }
                Instant now = Instant.now();
                seen.incrementAndGet(seq);
                latency[(int) n.getAndIncrement()] = ((now.getEpochSecond() * 1_000_000_000L + now.getNano()) - ha.timestampNanos()) / 1000;
            }
        });
        for (int i = 0; i < 5000; i++) {
            h1.send(HandlerRuntimeTest.numbered(0x0842, WARM_UP + i));
        }
        // the measurement starts once the warm-up is handled (not after a pause that a loaded machine may not honour)
        expkt.lab.Deadlines.await(10_000, "the 5000 warm-up frames handled", () -> warmed.get() == 5000);
        byte[] big = Wire.frame("00:e0:2b:00:00:00", HOST_MAC, 0x88b6, 1400);
        long start = System.nanoTime();
        for (int i = 0; i < FRAMES; i++) {
            if (i % 10 == 0) {
                long wait = start + (i / 10) * 1_000_000L - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
            }
            h1.send(HandlerRuntimeTest.numbered(0x88b5, i));
            h1.send(big);
            h1.send(HandlerRuntimeTest.numbered(0x0842, i));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        try {
            HandlerRuntimeTest.await("healthy and thrower got every frame", () -> n.get() == FRAMES && thrown.get() == FRAMES);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + ": healthy " + n.get() + ", thrower " + thrown.get() + "\n"
                    + HandlerTables.handlers(null, engine), e);
        }
        for (int i = 0; i < FRAMES; i++) {
            assertEquals(1, seen.get(i), "frame " + i);
        }
        LaneRegistry d = engine.dispatcher();
        assertTrue(d.registration(sleeper.id()).isolated(), "the sleeper got a thread of its own");
        assertFalse(d.registration(healthy.id()).isolated());
        assertFalse(d.registration(thrower.id()).isolated());
        assertEquals(FRAMES, d.registration(thrower.id()).errors());
        assertEquals(0, healthy.drops());
        assertEquals(0, thrower.drops());
        assertTrue(sleeper.drops() > 0, "the sleeper's own ring overflowed");
        String table = HandlerTables.handlers(null, engine);
        assertTrue(table.matches("(?s).*callback\\s+test\\s+-\\s+cb-thrower\\s+-\\s+active \\d+ calls\\s+#" + thrower.id()
                + "\\s+shared\\s+" + FRAMES + "\\s+0\\s+" + FRAMES + "\\s.*"), table);
        assertTrue(table.matches("(?s).*callback\\s+test\\s+-\\s+cb-sleeper\\s+-\\s+active \\d+ calls\\s+#" + sleeper.id()
                + "\\s+own-#" + sleeper.id() + "\\s+\\d+\\s+" + sleeper.drops() + "\\s+0\\s.*"), table);
        long[] lat = Arrays.copyOf(latency, FRAMES);
        Arrays.sort(lat);
        System.out.printf("[callback-isolation] %d frames per callback in %.2f s; healthy latency kernel->callback p50 %d us, "
                        + "p99 %d us, p99.9 %d us, max %d us; sleeper drops %d%n", FRAMES, seconds, lat[FRAMES / 2],
                lat[FRAMES * 99 / 100], lat[FRAMES * 999 / 1000], lat[FRAMES - 1], sleeper.drops());
        System.out.println(table);
        sleeper.close();
        assertFalse(d.isRegistered(sleeper.id()));
    }
}
