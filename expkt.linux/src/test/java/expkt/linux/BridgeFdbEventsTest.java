package expkt.linux;

import expkt.lab.Host;
import expkt.lab.Lab;
import expkt.lab.Topologies;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bridge forwarding database of a lab's switch namespace, read through rtnetlink: a dump and the notifications. */
class BridgeFdbEventsTest {

    private static long mac(String text) {
        return Long.parseLong(text.replace(":", ""), 16);
    }

    private static List<BridgeFdbEvents.Entry> await(BridgeFdbEvents ev, String what, Predicate<BridgeFdbEvents.Entry> wanted)
            throws Exception {
        List<BridgeFdbEvents.Entry> seen = new ArrayList<>();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            List<BridgeFdbEvents.Entry> got = ev.poll(100);
            seen.addAll(got);
            if (got.stream().anyMatch(wanted)) {
                return seen;
            }
        }
        throw new AssertionError("no bridge entry " + what + "; seen: " + seen);
    }

    @Test
    void learnedEntriesAreNotifiedDumpedAndTheirDeletionNotified() throws Exception {
        try (Lab lab = Topologies.bridgedHosts(2); NetNs sw = NetNs.open(lab.switchNs())) {
            Host h1 = lab.host(1);
            Host h2 = lab.host(2);
            int p1 = NetNs.call(sw, () -> NetInterfaces.list().stream().filter(i -> i.name().equals(h1.switchIf())).findFirst()
                    .orElseThrow().index());
            BridgeFdbEvents ev = NetNs.call(sw, BridgeFdbEvents::open);
            try {
                // the bridge learns h1's MAC on p1 from its ping: a notification, a forwarding entry
                lab.exec(h1.ns(), "ping", "-c", "1", "-W", "1", "10.0.1.2").check();
                List<BridgeFdbEvents.Entry> seen = await(ev, h1.mac() + " on " + h1.switchIf(),
                        e -> !e.deleted() && e.mac() == mac(h1.mac()) && e.ifIndex() == p1);
                BridgeFdbEvents.Entry learned = seen.stream().filter(e -> e.mac() == mac(h1.mac())).findFirst().orElseThrow();
                assertTrue(learned.forwarding(), "a learned entry forwards: " + learned);
                assertTrue(!learned.dump(), "a notification is not a dump answer");

                // a dump lists it again, with its age, and ends
                ev.requestDump();
                List<BridgeFdbEvents.Entry> dumped = new ArrayList<>();
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (!ev.dumpDone() && System.nanoTime() < deadline) {
                    dumped.addAll(ev.poll(100));
                }
                assertTrue(ev.dumpDone(), "the dump ended");
                BridgeFdbEvents.Entry d = dumped.stream().filter(e -> e.dump() && e.mac() == mac(h1.mac()) && e.ifIndex() == p1)
                        .findFirst().orElseThrow(() -> new AssertionError("h1 not in the dump: " + dumped));
                assertTrue(d.forwarding() && d.updatedAgoMillis() >= 0 && d.updatedAgoMillis() < 10_000, d.toString());
                // the port's own address is in the dump too, and is not a forwarding entry
                long ownMac = mac(h1.switchMac());
                assertTrue(dumped.stream().filter(e -> e.mac() == ownMac).noneMatch(BridgeFdbEvents.Entry::forwarding),
                        "the port's own address does not forward: " + dumped);

                // deleting the entry is notified
                lab.exec(lab.switchNs(), "bridge", "fdb", "del", h1.mac(), "dev", h1.switchIf(), "master").check();
                await(ev, h1.mac() + " deleted", e -> e.deleted() && e.mac() == mac(h1.mac()) && e.ifIndex() == p1);
                assertEquals(-1, d.vlan(), "the lab's bridge does not filter VLANs: its entries carry no NDA_VLAN");
            } finally {
                ev.close();
            }
        }
    }
}
