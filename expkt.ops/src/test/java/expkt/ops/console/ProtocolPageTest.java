package expkt.ops.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import expkt.api.status.StatusPage;
import expkt.api.status.StatusPageDTO;
import expkt.api.status.StatusTableDTO;

/**
 * A protocol's status page as the web console shows it: rows normalised to the header, text escaped
 * in the HTML, a page that throws or does not answer within the deadline shown as such (and a stuck
 * page called once, not once per refresh).
 */
class ProtocolPageTest {
    private final ExecutorService calls = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().factory());

    @AfterEach
    void close() {
        calls.shutdownNow();
    }

    static StatusPageDTO page(String summary, StatusTableDTO... tables) {
        StatusPageDTO p = new StatusPageDTO();
        p.summary = summary;
        p.tables = List.of(tables);
        return p;
    }

    static StatusTableDTO table(String title, List<String> columns, List<List<String>> rows, String empty) {
        StatusTableDTO t = new StatusTableDTO();
        t.title = title;
        t.columns = columns;
        t.rows = rows;
        t.empty = empty;
        return t;
    }

    @Test
    @SuppressWarnings("unchecked")
    void rowsAreCutOrPaddedToTheHeaderAndTheHtmlIsEscaped() {
        List<List<String>> rows = new ArrayList<>();
        rows.add(Arrays.asList("1:1", "<script>alert(1)</script>", "extra"));
        rows.add(Arrays.asList("1:2", null));
        rows.add(List.of("1:3"));
        StatusPage p = () -> page("3 neighbours", table("Neighbours", List.of("Port", "System"), rows, null),
                table("Sent", List.of("Port"), List.of(), "no port"));
        Map<String, Object> v = new ProtocolPage("expkt-x", "X", "bundle 9 x", p, calls).view();
        List<Map<String, Object>> tables = (List<Map<String, Object>>) v.get("tables");
        assertEquals(List.of(List.of("1:1", "<script>alert(1)</script>"), List.of("1:2", ""), List.of("1:3", "")), tables.get(0).get("rows"));
        assertTrue(((String) v.get("status")).startsWith("X, from bundle 9 x, as of "), (String) v.get("status"));
        String html = ProtocolPage.html(v);
        assertFalse(html.contains("<script>"), html);
        assertTrue(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), html);
        assertTrue(html.contains("<tr class=\"expkt-empty\"><td colspan=\"1\">no port</td></tr>"), html);
    }

    @Test
    void aPageThatThrowsOrReturnsNullIsShownAsSuch() {
        StatusPage throwing = () -> {
            throw new IllegalStateException("table gone");
        };
        String s = (String) new ProtocolPage("expkt-x", "X", "bundle 9 x", throwing, calls).view().get("status");
        assertTrue(s.contains("The page of bundle 9 x failed") && s.contains("table gone"), s);
        s = (String) new ProtocolPage("expkt-x", "X", "bundle 9 x", () -> null, calls).view().get("status");
        assertEquals("The page of bundle 9 x returned null", s);
    }

    @Test
    void aStuckPageIsCalledOnceAndShownAsNotAnswering() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger called = new AtomicInteger();
        StatusPage stuck = () -> {
            called.incrementAndGet();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return page("late");
        };
        ProtocolPage p = new ProtocolPage("expkt-x", "X", "bundle 9 x", stuck, calls);
        long t0 = System.nanoTime();
        String s = (String) p.view().get("status");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals("The page of bundle 9 x did not answer within " + StatusPage.DEADLINE_MILLIS + " ms", s);
        assertTrue(ms >= StatusPage.DEADLINE_MILLIS && ms < StatusPage.DEADLINE_MILLIS + 5_000, ms + " ms");
        p.view();
        assertEquals(1, called.get(), "the second view waits for the call in flight, it does not start another");
        release.countDown();
        // once the late call returned, the next view calls again and shows its answer
        long deadline = System.currentTimeMillis() + 10_000;
        Object summary = null;
        while (System.currentTimeMillis() < deadline && !"late".equals(summary)) {
            summary = p.view().get("summary");
        }
        assertEquals("late", summary);
    }
}
