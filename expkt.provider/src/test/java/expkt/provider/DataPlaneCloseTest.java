package expkt.provider;

import expkt.provider.dataplane.DataPlane;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A data plane's close ends its link thread and its FDB mirror (woken through their eventfds, not left
 * to finish a poll slice) and closes every fd it opened, the eventfds included: five open/close cycles
 * in the lab's switch namespace leave the process's fds and the data plane's threads as they were.
 */
class DataPlaneCloseTest extends L2ProviderTestBase {

    private static long openFds() throws Exception {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    private static long dataPlaneThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && (t.getName().startsWith("expkt-links") || t.getName().startsWith("expkt-fdb")))
                .count();
    }

    /** The kernel's count of an eventfd of this process (/proc/self/fdinfo). */
    private static long eventfdCount(int fd) throws Exception {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("eventfd-count:\\s*([0-9a-f]+)")
                .matcher(Files.readString(Path.of("/proc/self/fdinfo/" + fd)));
        assertTrue(m.find(), "fd " + fd + " is an eventfd");
        return Long.parseLong(m.group(1), 16);
    }

    /**
     * The FDB mirror waits without time slices: a refresh (expkt:fdb) wakes it through its eventfd, it
     * dumps the kernel's table, and it resets the eventfd (left set, its level-triggered epoll would
     * return at once forever: a spinning thread).
     */
    @Test
    void aRefreshWakesTheFdbMirrorWhichResetsItsEventfd() throws Exception {
        DataPlane dp = new DataPlane(lab.switchNs(), "VR-Default", 2);
        try {
            dp.configure(new String[] {"1:1=p1", "1:2=p2"}, new String[0]);
            int wake = dp.fdb().mirrorWakeFd();
            assertTrue(wake >= 0, "the mirror waits on an eventfd");
            expkt.lab.Deadlines.await(5_000, "the mirror idle, its eventfd reset", () -> {
                try {
                    return eventfdCount(wake) == 0;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            for (int i = 0; i < 3; i++) {
                long t0 = System.nanoTime();
                // a refresh waits for a dump the mirror reads: it returns long before its 5 s only if the mirror woke
                dp.fdb().entries(5_000);
                assertTrue(System.nanoTime() - t0 < 4_000_000_000L, "the refresh was answered (the mirror woke)");
                expkt.lab.Deadlines.await(5_000, "the eventfd reset after refresh " + (i + 1), () -> {
                    try {
                        return eventfdCount(wake) == 0;
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
            }
        } finally {
            dp.close();
        }
    }

    @Test
    void closeEndsItsThreadsAndClosesEveryFdItOpened() throws Exception {
        long threads0 = dataPlaneThreads();
        long fds0 = openFds();
        for (int i = 0; i < 5; i++) {
            DataPlane dp = new DataPlane(lab.switchNs(), "VR-Default", 2);
            dp.configure(new String[] {"1:1=p1", "1:2=p2"}, new String[0]);
            assertTrue(dp.followingLinks(), "the link thread runs");
            assertTrue(dataPlaneThreads() >= threads0 + 2, "its link thread and FDB mirror run");
            assertTrue(openFds() > fds0, "it holds fds (netlink sockets, epoll sets, eventfds)");
            dp.close();
            assertFalse(dp.followingLinks(), "close ended the link thread");
            assertEquals(threads0, dataPlaneThreads(), "close ended the FDB mirror too (cycle " + (i + 1) + ")");
            assertEquals(fds0, openFds(), "every fd the data plane opened is closed (cycle " + (i + 1) + ")");
        }
    }
}
