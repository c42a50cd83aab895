package expkt.provider;

import expkt.provider.upgrade.StateStore;
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
}
