package expkt.linux;

import expkt.lab.Lab;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rtnetlink link notifications of one namespace, provoked with ip(8) in a lab. */
class LinkEventsTest {

    /** Polls until a link matching {@code wanted} was reported (10 s at most); returns everything seen. */
    private static List<LinkEvents.Link> awaitLink(LinkEvents ev, String what, Predicate<LinkEvents.Link> wanted) throws Exception {
        List<LinkEvents.Link> seen = new ArrayList<>();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            List<LinkEvents.Link> got = ev.poll(100);
            seen.addAll(got);
            if (got.stream().anyMatch(wanted)) {
                return seen;
            }
        }
        throw new AssertionError("no notification of " + what + "; seen: " + seen);
    }

    @Test
    void mtuStateAndDeletionOfTheNamespacesLinksAreNotified() throws Exception {
        try (Lab lab = Lab.builder().ports(1).build(); NetNs sw = NetNs.open(lab.switchNs())) {
            String p1 = lab.host(1).switchIf();
            LinkEvents ev = NetNs.call(sw, LinkEvents::open);
            try {
                assertEquals(List.of(), ev.poll(0), "nothing before anything changed");
                lab.exec(lab.switchNs(), "ip", "link", "set", p1, "mtu", "9000").check();
                List<LinkEvents.Link> seen = awaitLink(ev, p1 + " mtu 9000", l -> l.name().equals(p1) && l.mtu() == 9000);
                int index = seen.stream().filter(l -> l.name().equals(p1)).findFirst().orElseThrow().index();
                int expected = NetNs.call(sw, () -> NetInterfaces.list().stream().filter(i -> i.name().equals(p1)).findFirst()
                        .orElseThrow().index());
                assertEquals(expected, index);

                lab.exec(lab.switchNs(), "ip", "link", "set", p1, "down").check();
                awaitLink(ev, p1 + " down", l -> l.index() == index && (l.flags() & NetInterfaces.IFF_UP) == 0
                        && l.operState() == LinkEvents.IF_OPER_DOWN);
                lab.exec(lab.switchNs(), "ip", "link", "set", p1, "up").check();
                awaitLink(ev, p1 + " up", l -> l.index() == index && (l.flags() & NetInterfaces.IFF_UP) != 0
                        && l.operState() == LinkEvents.IF_OPER_UP);

                // another namespace's change is not heard here; this namespace's next one is
                lab.exec(lab.host(1).ns(), "ip", "link", "set", "veth0", "mtu", "1400").check();
                lab.exec(lab.switchNs(), "ip", "link", "add", "xkev0", "type", "veth", "peer", "name", "xkev1").check();
                seen = awaitLink(ev, "xkev0 created", l -> l.name().equals("xkev0") && !l.deleted());
                lab.exec(lab.switchNs(), "ip", "link", "del", "xkev0").check();
                seen.addAll(awaitLink(ev, "xkev0 deleted", l -> l.name().equals("xkev0") && l.deleted()));
                assertTrue(seen.stream().noneMatch(l -> l.mtu() == 1400), "the host namespace's veth0 is not ours: " + seen);
            } finally {
                ev.close();
                ev.close(); // idempotent
            }
        }
    }
}
