package expkt.keeper.internal;

import expkt.api.packet.RxMode;
import expkt.api.spi.ParkedSocket;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.service.log.Logger;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The keeper's side of draining parked rings ({@link EngineHandoverComponent}): its timer drains what is
 * parked within the budget ({@value EngineHandoverComponent#BACKLOG_PROPERTY}), warns once and counts
 * when the budget stops it, and hands the copies with the moved-on position to the revision that takes
 * the socket. The ring here is memory laid out as the kernel lays out a TPACKET_V3 ring, with blocks
 * the "kernel" has handed over (status user): what the keeper does with it is the subject; that the
 * kernel's real rings go through the same code is {@code EngineHandoverParkTest}'s (provider, real
 * sockets, numbered frames).
 */
class ParkedRingDrainInKeeperTest {
    private static final int BLOCK = 4096;
    private static final int BLOCKS = 4;
    private static final int USED = 1000; // blk_len of each ready block: what its copy takes
    private final List<String> log = new CopyOnWriteArrayList<>();

    @SuppressWarnings("unchecked")
    private static <T> T proxy(Class<T> type, java.util.function.BiFunction<String, Object[], Object> answer) {
        return (T) Proxy.newProxyInstance(ParkedRingDrainInKeeperTest.class.getClassLoader(), new Class<?>[] {type}, (p, m, a) -> {
            if (m.getName().equals("hashCode")) {
                return System.identityHashCode(p);
            }
            if (m.getName().equals("equals")) {
                return p == a[0];
            }
            return answer.apply(m.getName(), a == null ? new Object[0] : a);
        });
    }

    private EngineHandoverComponent keeper(long budget) {
        BundleContext context = proxy(BundleContext.class, (m, a) -> m.equals("getProperty")
                ? (EngineHandoverComponent.BACKLOG_PROPERTY.equals(a[0]) ? Long.toString(budget)
                        : EngineTracker.GRACE_PROPERTY.equals(a[0]) ? "60000" : null)
                : null);
        Logger logger = proxy(Logger.class, (m, a) -> {
            log.add(m + " " + java.util.Arrays.toString(a));
            return null;
        });
        return new EngineHandoverComponent(context, logger);
    }

    /** A V3 ring whose first {@code ready} blocks the kernel handed over, 3 frames each. */
    private static MemorySegment ring(Arena arena, int ready) {
        MemorySegment ring = arena.allocate((long) BLOCK * BLOCKS, 4096);
        for (int b = 0; b < ready; b++) {
            long base = (long) b * BLOCK;
            ring.set(ValueLayout.JAVA_INT, base + 12, 3);     // num_pkts
            ring.set(ValueLayout.JAVA_INT, base + 16, 48);    // offset_to_first_pkt
            ring.set(ValueLayout.JAVA_INT, base + 20, USED);  // blk_len
            ring.set(ValueLayout.JAVA_INT, base + 8, 1);      // block_status: TP_STATUS_USER
        }
        return ring;
    }

    private static int status(MemorySegment ring, int block) {
        return ring.get(ValueLayout.JAVA_INT, (long) block * BLOCK + 8);
    }

    private static void await(String what, java.util.function.BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 5 s: " + what);
            }
            Thread.sleep(1); // the keeper's timer drains every 2 ms
        }
    }

    @Test
    void theTimerDrainsAParkedRingAndTheTakerGetsTheCopiesFirst() throws Exception {
        EngineHandoverComponent keeper = keeper(1L << 20);
        Arena arena = Arena.ofShared();
        MemorySegment ring = ring(arena, 3);
        try {
            keeper.parkSocket(7, new ParkedSocket("rev 1", -1, 0, arena, ring, RxMode.THROUGHPUT, BLOCK, BLOCKS, 0, 0, 0, -1, false));
            await("the three ready blocks handed back to the kernel", () -> status(ring, 0) == 0 && status(ring, 1) == 0 && status(ring, 2) == 0);
            String shown = keeper.describe();
            assertTrue(shown.contains("parked rings drained: 9 frames (" + 3 * USED + " bytes)"), shown);
            assertFalse(shown.contains("reached"), shown);
            ParkedSocket taken = keeper.takeSocket(7);
            assertEquals(3, taken.backlog().size(), taken.toString());
            assertEquals(List.of((long) USED, (long) USED, (long) USED), taken.backlog().stream().map(MemorySegment::byteSize).toList());
            assertEquals(3, taken.block(), "the reader goes on in the ring after the copies");
            assertFalse(taken.holding());
            assertEquals(3, taken.backlog().getFirst().get(ValueLayout.JAVA_INT, 12), "a copy keeps its descriptor");
            assertEquals(List.of(), log);
        } finally {
            keeper.deactivate();
            arena.close();
        }
    }

    @Test
    void theBudgetStopsTheDrainLoudlyOnceAndTheRestStaysInTheRing() throws Exception {
        EngineHandoverComponent keeper = keeper(2 * USED + USED / 2); // room for two copies, not three
        Arena arena = Arena.ofShared();
        MemorySegment ring = ring(arena, 3);
        try {
            keeper.parkSocket(8, new ParkedSocket("rev 1", -1, 0, arena, ring, RxMode.THROUGHPUT, BLOCK, BLOCKS, 0, 0, 0, -1, false));
            await("the budget reached", () -> keeper.describe().contains("reached"));
            assertEquals(0, status(ring, 0));
            assertEquals(0, status(ring, 1));
            assertEquals(1, status(ring, 2), "the block past the budget stays the reader's, in the ring");
            await("the warning", () -> !log.isEmpty());
            assertEquals(1, log.size(), log.toString());
            assertTrue(log.getFirst().startsWith("warn") && log.getFirst().contains(EngineHandoverComponent.BACKLOG_PROPERTY), log.toString());
            ParkedSocket taken = keeper.takeSocket(8);
            assertEquals(2, taken.backlog().size());
            assertEquals(2, taken.block(), "the adopter reads the two copies, then block 2 in the ring");
            assertEquals(1, log.size(), "warned once per swap, though the timer hit the budget again and again: " + log);
        } finally {
            keeper.deactivate();
            arena.close();
        }
    }
}
