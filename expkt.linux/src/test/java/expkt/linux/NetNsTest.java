package expkt.linux;

import expkt.lab.Lab;
import org.junit.jupiter.api.Test;

import java.nio.channels.DatagramChannel;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NetNsTest {

    @Test
    void callRunsInsideTheNamespaceAndComesBack() throws Exception {
        try (Lab lab = Lab.builder().ports(0).build(); NetNs ns = NetNs.open(lab.namespace("vr"))) {
            long home = NetNs.currentInode();
            assertNotEquals(home, ns.inode());
            long inside = NetNs.call(ns, NetNs::currentInode);
            assertEquals(ns.inode(), inside);
            assertEquals(home, NetNs.currentInode());
            // a socket made inside stays there: it sees only the namespace's loopback
            try (DatagramChannel ch = NetNs.call(ns, DatagramChannel::open)) {
                ch.bind(null);
                assertTrue(ch.getLocalAddress() != null);
            }
            // the thread comes back also when the task throws
            assertThrows(IllegalStateException.class, () -> NetNs.call(ns, () -> {
                throw new IllegalStateException("boom");
            }));
            assertEquals(home, NetNs.currentInode());
        }
    }

    @Test
    void namespaceThreadStaysInside() throws Exception {
        try (Lab lab = Lab.builder().ports(0).build(); NetNs ns = NetNs.open(lab.namespace("t"));
             NetNsThread t = new NetNsThread("test-ns", ns)) {
            assertEquals(ns.inode(), (long) t.call(NetNs::currentInode));
            assertEquals(ns.inode(), (long) t.call(NetNs::currentInode));
        }
    }

    @Test
    void unknownNamespaceIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NetNs.open("xk-no-such-ns"));
        assertTrue(e.getMessage().contains("xk-no-such-ns"), e.getMessage());
    }

    @Test
    void virtualThreadsAreRefused() throws Exception {
        try (Lab lab = Lab.builder().ports(0).build(); NetNs ns = NetNs.open(lab.namespace("v"))) {
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread.ofVirtual().start(() -> {
                try {
                    NetNs.call(ns, NetNs::currentInode);
                } catch (Throwable t) {
                    failure.set(t);
                }
            }).join();
            assertTrue(failure.get() instanceof IllegalStateException, String.valueOf(failure.get()));
            assertTrue(failure.get().getMessage().contains("virtual"), failure.get().getMessage());
        }
    }
}
