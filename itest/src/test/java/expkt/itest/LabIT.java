package expkt.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.Test;

import expkt.lab.Host;
import expkt.lab.Lab;
import expkt.linux.NetNs;

/**
 * The harness as later tests see it: inside the framework, the lab of this class exists, its ports
 * are up and linked to their hosts, the host's data plane is the lab's switch namespace, and a thread
 * of a bundle can enter that namespace (as the provider does) while the framework stays where it is.
 */
public class LabIT extends ExpktTestSupport {

    @Test
    public void theDataPlaneIsTheLabsSwitchNamespace() {
        Lab lab = lab();
        assertEquals(lab.switchNs(), context.getProperty(ExpktOptions.DATAPLANE_NETNS));
        List<String> all = Lab.listNamespaces();
        assertTrue(all + " lacks " + lab.switchNs(), all.contains(lab.switchNs()));
        assertEquals(2, lab.hosts().size());
        assertTrue("the default lab is bridged", lab.bridged());
        for (Host h : lab.hosts()) {
            assertTrue(all + " lacks " + h.ns(), all.contains(h.ns()));
            String port = lab.exec(lab.switchNs(), "ip", "-o", "link", "show", h.switchIf()).check().stdout();
            assertTrue(port, port.contains("LOWER_UP") && port.contains("master br0"));
            String peer = lab.exec(h.ns(), "ip", "-o", "link", "show", h.ifName()).check().stdout();
            assertTrue(peer, peer.contains("LOWER_UP") && peer.contains(h.mac()));
        }
    }

    @Test
    public void aBundleThreadEntersTheDataPlaneAndComesBack() throws Exception {
        Lab lab = lab();
        long home = NetNs.currentInode();
        AtomicReference<Set<String>> seen = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long[] inside = new long[1];
        // a platform thread of its own, as the provider's I/O threads are
        Thread t = Thread.ofPlatform().name("itest-dataplane").start(() -> {
            try (NetNs ns = NetNs.open(context.getProperty(ExpktOptions.DATAPLANE_NETNS))) {
                NetNs.call(ns, () -> {
                    inside[0] = NetNs.currentInode();
                    // /proc/thread-self/net shows the calling thread's namespace (/proc/self/net the process's)
                    Set<String> names = new TreeSet<>();
                    for (String line : Files.readAllLines(Path.of("/proc/thread-self/net/dev"))) {
                        int colon = line.indexOf(':');
                        if (colon > 0) {
                            names.add(line.substring(0, colon).strip());
                        }
                    }
                    seen.set(names);
                    return null;
                });
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.join(10_000);
        if (failure.get() != null) {
            throw new AssertionError("entering " + lab.switchNs() + " failed", failure.get());
        }
        assertNotEquals("the data plane is not the framework's own namespace", home, inside[0]);
        assertEquals(Set.of("br0", "lo", "p1", "p2"), seen.get());
        assertEquals("the test thread never moved", home, NetNs.currentInode());
    }
}
