package expkt.keeper;

import expkt.keeper.state.StateStore;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What crosses a bundle update: deep copies of JDK values, once; anything else is refused naming where it is. */
class StateStoreTest {

    @Test
    void aSavedStateIsADeepCopyRestoredOnce() {
        StateStore store = new StateStore();
        byte[] bitmap = {1, 2, 3};
        List<Object> neighbours = new ArrayList<>(List.of(Map.of("mac", "00:e0:2b:00:00:01", "ttl", 120)));
        Map<String, Object> state = new HashMap<>();
        state.put("bitmap", bitmap);
        state.put("neighbours", neighbours);
        state.put("since", Instant.ofEpochSecond(1_700_000_000L));
        state.put("count", 7L);
        store.save("com.example.lldp", state);
        bitmap[0] = 99;          // version 1 keeps changing its objects after saving:
        neighbours.clear();      // the saved state does not change
        Map<String, Object> got = store.restore("com.example.lldp");
        assertArrayEquals(new byte[] {1, 2, 3}, (byte[]) got.get("bitmap"));
        assertEquals(List.of(Map.of("mac", "00:e0:2b:00:00:01", "ttl", 120)), got.get("neighbours"));
        assertEquals(Instant.ofEpochSecond(1_700_000_000L), got.get("since"));
        assertEquals(7L, got.get("count"));
        assertThrows(UnsupportedOperationException.class, () -> got.put("x", 1));
        assertEquals(Map.of(), store.restore("com.example.lldp"), "a second restore gets nothing");
        assertEquals(Map.of(), store.restore("com.example.other"));
    }

    @Test
    void aNonJdkValueIsRefusedNamingItsPathAndNothingIsStored() {
        StateStore store = new StateStore();
        store.save("b", Map.of("old", 1));
        record Neighbour(String mac) {
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> store.save("b", Map.of("table", List.of(Map.of("n", new Neighbour("x"))))));
        assertTrue(e.getMessage().contains("state.table[0].n") && e.getMessage().contains("Neighbour"), e.getMessage());
        IllegalArgumentException key = assertThrows(IllegalArgumentException.class,
                () -> store.save("b", Map.of("m", Map.of(1, "one"))));
        assertTrue(key.getMessage().contains("state.m") && key.getMessage().contains("java.lang.Integer"), key.getMessage());
        assertThrows(IllegalArgumentException.class, () -> store.save("b", null));
        assertEquals(Map.of("old", 1), store.restore("b"), "the previous state stays");
        store.save("c", Map.of("x", 1));
        store.discard("c");
        assertEquals(Map.of(), store.restore("c"));
    }

    @Test
    void aStateThatContainsItselfIsRefusedNamingTheCycle() {
        StateStore store = new StateStore();
        Map<String, Object> self = new HashMap<>();
        self.put("name", "lldp");
        self.put("me", self);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> store.save("b", self));
        assertTrue(e.getMessage().contains("state.me") && e.getMessage().contains("cycle"), e.getMessage());
        List<Object> list = new ArrayList<>();
        Map<String, Object> outer = new HashMap<>(Map.of("table", Map.of("rows", list)));
        list.add(Map.of("back", list));
        e = assertThrows(IllegalArgumentException.class, () -> store.save("b", outer));
        assertTrue(e.getMessage().contains("state.table.rows[0].back is the java.util.ArrayList at state.table.rows again"), e.getMessage());
        Map<String, Object> shared = Map.of("x", 1);
        store.save("b", Map.of("a", shared, "b", List.of(shared, shared)));
        assertEquals(Map.of("a", shared, "b", List.of(shared, shared)), store.restore("b"), "the same map twice is no cycle");
        Object deep = "leaf";
        for (int i = 0; i < 100_000; i++) {
            deep = List.of(deep);
        }
        Object tooDeep = deep;
        e = assertThrows(IllegalArgumentException.class, () -> store.save("b", Map.of("deep", tooDeep)));
        assertTrue(e.getMessage().contains("deeper than " + StateStore.MAX_DEPTH), e.getMessage());
    }

    @Test
    void mutableJdkNumbersAreRefusedImmutableOnesCross() {
        StateStore store = new StateStore();
        for (Object mutable : List.of(new java.util.concurrent.atomic.AtomicLong(5), new java.util.concurrent.atomic.AtomicInteger(5),
                new java.util.concurrent.atomic.LongAdder(), new java.util.concurrent.atomic.DoubleAdder())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> store.save("b", Map.of("n", mutable)));
            assertTrue(e.getMessage().contains("state.n") && e.getMessage().contains(mutable.getClass().getName())
                    && e.getMessage().contains("save its value"), e.getMessage());
        }
        Map<String, Object> numbers = Map.of("b", (byte) 1, "s", (short) 2, "i", 3, "l", 4L, "f", 5f, "d", 6d,
                "bi", java.math.BigInteger.TEN, "bd", new java.math.BigDecimal("1.5"));
        store.save("b", numbers);
        assertEquals(numbers, store.restore("b"));
        var parsed = java.time.format.DateTimeFormatter.ISO_LOCAL_DATE.parse("2026-11-30"); // mutable java.time.format.Parsed
        assertThrows(IllegalArgumentException.class, () -> store.save("b", Map.of("t", parsed)));
    }

    @Test
    void bundlesWithoutASymbolicNameHaveAKeyEach() {
        StateStore store = new StateStore();
        assertEquals("expkt.protocol.lldp", StateStore.key("expkt.protocol.lldp", 7));
        String a = StateStore.key(null, 41);
        String b = StateStore.key(null, 42);
        assertTrue(!a.equals(b), a + " and " + b);
        store.save(a, Map.of("v", "a"));
        store.save(b, Map.of("v", "b"));
        assertEquals(Map.of("v", "a"), store.restore(a));
        assertEquals(Map.of("v", "b"), store.restore(b));
        assertThrows(IllegalArgumentException.class, () -> store.save(null, Map.of()));
        assertThrows(IllegalArgumentException.class, () -> store.save(" ", Map.of()));
    }
}
