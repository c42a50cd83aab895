package expkt.provider;

import expkt.api.packet.Filter;
import expkt.api.spi.BundleIdentity;
import expkt.provider.command.HandlerTables;
import expkt.provider.core.ProviderLog;
import expkt.provider.whiteboard.HandlerRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static expkt.lab.Deadlines.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One isolation rule: a slow handler is moved to a lane of its own once, and a handler already alone
 * on its lane is never moved again by a second rule; {@code expkt:handlers} names the lane it really
 * runs on (the lane's thread is {@code expkt-dispatch-<lane>}).
 */
class LaneIsolationTest extends L2ProviderTestBase {
    static final BundleIdentity B = BundleIdentity.of(41, "com.example.slow", "1.0.0");
    HandlerRuntime runtime;

    @AfterEach
    void stop() {
        if (runtime != null) {
            runtime.close();
            runtime = null;
        }
    }

    static String lane(String table, String filter) {
        Matcher m = Pattern.compile("(?m)^handler\\s+.*\\s" + filter + "\\s+.*?\\s#\\d+\\s+(\\S+)\\s").matcher(table);
        assertTrue(m.find(), "no row for " + filter + ":\n" + table);
        return m.group(1);
    }

    @Test
    void aSlowHandlerIsMovedOnceAndTheTableNamesItsLane() throws Exception {
        engine();
        runtime = new HandlerRuntime(engine, 3000, ProviderLog.system("expkt.lane.test"));
        Wire h1 = wire(1);
        AtomicInteger slowCalls = new AtomicInteger();
        AtomicReference<String> slowThread = new AtomicReference<>();
        Set<String> slowThreadsAfterMove = ConcurrentHashMap.newKeySet();
        AtomicReference<String> fastThread = new AtomicReference<>();
        AtomicInteger fast = new AtomicInteger();
        runtime.register(B, Filter.named("slow").ethertype(0x0842).build(), (f, a, s) -> {
            slowThread.set(Thread.currentThread().getName());
            if (f.getInt(14) >= 1000) {
                slowThreadsAfterMove.add(Thread.currentThread().getName());
            }
            slowCalls.incrementAndGet();
            Thread.sleep(5); // 5 ms per frame: over every budget, by both of main's rules
        });
        runtime.register(B, Filter.named("fast").ethertype(0x0843).build(), (f, a, s) -> {
            fastThread.set(Thread.currentThread().getName());
            fast.incrementAndGet();
        });
        // first burst: enough slow wake-ups for the move
        for (int round = 0; round < 10; round++) {
            h1.send(HandlerRuntimeTest.numbered(0x0842, round));
            int expect = round + 1;
            await(5_000, "slow frame " + round, () -> slowCalls.get() >= expect);
        }
        await(5_000, "10 slow frames", () -> slowCalls.get() == 10);
        String table = HandlerTables.handlers(runtime, engine);
        assertEquals("own-41", lane(table, "slow"), "moved to a lane of its own:\n" + table);
        // second phase: it keeps overrunning, alone on its lane: never moved again
        for (int i = 0; i < 20; i++) {
            h1.send(HandlerRuntimeTest.numbered(0x0842, 1000 + i));
            int expect = 11 + i;
            await(5_000, "slow frame " + (1000 + i), () -> slowCalls.get() >= expect);
        }
        h1.send(HandlerRuntimeTest.numbered(0x0843, 0));
        await(5_000, "the fast handler ran", () -> fast.get() == 1);
        table = HandlerTables.handlers(runtime, engine);
        System.out.println(table + "slow handler ran on " + slowThreadsAfterMove + ", fast on " + fastThread.get());
        assertEquals(Set.of(slowThread.get()), slowThreadsAfterMove, "the slow handler stayed on one lane after its move");
        assertEquals("own-41", lane(table, "slow"));
        assertEquals("expkt-dispatch-own-41", slowThread.get(), "the table names the lane the handler runs on");
        assertEquals("lane-41", lane(table, "fast"));
        assertEquals("expkt-dispatch-lane-41", fastThread.get());
        assertNotEquals(slowThread.get(), fastThread.get());
    }
}
