package expkt.provider.dataplane;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The FDB's open-addressing table: per-VLAN entries, moves, aging, slot reuse, a full window, concurrent learners. */
class FdbTableTest {
    static final long MAC_A = 0x0200_0000_000AL;
    static final long MAC_B = 0x0200_0000_000BL;

    @Test
    void anEntryIsPerVlanMovesWithItsAddressAndAgesOut() {
        FdbTable t = new FdbTable(64, 1000);
        t.learn(100, MAC_A, 7, 10);
        assertEquals(7, t.lookup(100, MAC_A, 10));
        assertEquals(-1, t.lookup(200, MAC_A, 10), "another VLAN does not know it");
        assertEquals(-1, t.lookup(-1, MAC_A, 10), "nor does 'no VLAN'");
        assertEquals(-1, t.lookup(100, MAC_B, 10));
        t.learn(100, MAC_A, 9, 20); // the host moved: at once, not after a refresh interval
        assertEquals(9, t.lookup(100, MAC_A, 20));
        assertEquals(1, t.movedCount());
        assertEquals(9, t.lookup(100, MAC_A, 1020), "alive up to the aging time");
        assertEquals(-1, t.lookup(100, MAC_A, 1020 + FdbTable.TICK_MILLIS), "gone a tick of the table's clock after it");
        t.learn(100, MAC_A, 9, 2000);
        assertEquals(9, t.lookup(100, MAC_A, 2000), "learned again");
        assertEquals(2, t.learnedCount());
        t.remove(100, MAC_A, 8);
        assertEquals(9, t.lookup(100, MAC_A, 2000), "a removal for another port leaves it");
        t.remove(100, MAC_A, 9);
        assertEquals(-1, t.lookup(100, MAC_A, 2000));
    }

    @Test
    void aRefreshWithinASecondWritesNothingAndLaterKeepsItAlive() {
        FdbTable t = new FdbTable(64, 1000);
        t.learn(-1, MAC_A, 3, 0);
        t.learn(-1, MAC_A, 3, 900); // too soon to rewrite: the entry keeps its time 0
        assertEquals(-1, t.lookup(-1, MAC_A, 1000 + FdbTable.TICK_MILLIS));
        t.learn(-1, MAC_A, 3, 1500);
        assertEquals(3, t.lookup(-1, MAC_A, 2400));
    }

    /**
     * Ports of VR namespaces are keyed by space and ifindex (DataPlaneModel.key): VR-A's ifindex 5 and the
     * data plane's own ifindex 5 are two ports, and an address moving between them is a move.
     */
    @Test
    void portKeysOfVrNamespacesAreKeptApartFromIfindexes() {
        FdbTable t = new FdbTable(64, 1000);
        int vrPort = DataPlaneModel.key(3, 5);
        t.learn(100, MAC_A, vrPort, 0);
        t.learn(100, MAC_B, 5, 0);
        assertEquals(vrPort, t.lookup(100, MAC_A, 0));
        assertEquals(5, t.lookup(100, MAC_B, 0));
        t.learn(100, MAC_A, 5, 10);
        assertEquals(5, t.lookup(100, MAC_A, 10));
        assertEquals(1, t.movedCount());
        int last = DataPlaneModel.key(15, DataPlaneModel.MAX_SPACE_IFINDEX - 1);
        t.learn(7, MAC_A, last, 20);
        assertEquals(last, t.lookup(7, MAC_A, 20), "space 15's largest port key fits");
        assertEquals(java.util.List.of(last), t.entries(20).stream().filter(e -> e.vlan() == 7).map(FdbTable.Entry::ifIndex).toList());
        t.learn(8, MAC_A, DataPlaneModel.key(16, 1), 20);
        assertEquals(-1, t.lookup(8, MAC_A, 20), "a port key above MAX_PORT is not learned");
    }

    @Test
    void deadSlotsAreReusedAndAFullWindowIsCounted() {
        FdbTable t = new FdbTable(FdbTable.MAX_PROBE, 1000); // one probe window: the whole table
        for (int i = 0; i < FdbTable.MAX_PROBE; i++) {
            t.learn(1, MAC_A + i, 5, 0);
        }
        t.learn(1, MAC_B + 1000, 5, 0);
        assertEquals(1, t.full(), "no room: counted, not learned");
        assertEquals(-1, t.lookup(1, MAC_B + 1000, 0));
        for (int i = 0; i < FdbTable.MAX_PROBE; i++) {
            assertEquals(5, t.lookup(1, MAC_A + i, 0));
        }
        t.learn(1, MAC_B + 1000, 6, 5000); // everything else has aged out: a dead slot takes it
        assertEquals(6, t.lookup(1, MAC_B + 1000, 5000));
        assertEquals(1, t.entries(5000).size(), "one live entry: " + t.entries(5000));
    }

    @Test
    void concurrentLearnersLoseNoAddressAndMixNoEntries() throws Exception {
        FdbTable t = new FdbTable(16384, Long.MAX_VALUE);
        int threads = 4;
        int perThread = 2000;
        AtomicInteger bad = new AtomicInteger();
        Thread[] ts = new Thread[threads];
        for (int k = 0; k < threads; k++) {
            int id = k;
            ts[k] = Thread.ofPlatform().start(() -> {
                for (int round = 0; round < 3; round++) {
                    for (int i = 0; i < perThread; i++) {
                        // every thread learns every address, each on "its" port: a lookup finds one of the threads' ports
                        t.learn(i % 7, 0x0200_0000_0000L + i, 10 + id, round * 2000L);
                        int got = t.lookup(i % 7, 0x0200_0000_0000L + i, round * 2000L);
                        if (got < 10 || got >= 10 + threads) {
                            bad.incrementAndGet();
                        }
                    }
                }
            });
        }
        for (Thread th : ts) {
            th.join();
        }
        assertEquals(0, bad.get());
        for (int i = 0; i < perThread; i++) {
            int got = t.lookup(i % 7, 0x0200_0000_0000L + i, 6000);
            assertTrue(got >= 10 && got < 10 + threads, "address " + i + " -> " + got);
        }
        assertEquals(0, t.full());
    }
}
