package expkt.itest.l2;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;

import java.time.Duration;

import org.junit.Test;
import org.ops4j.pax.exam.Option;

import expkt.api.packet.Direction;
import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.Filter;
import expkt.api.packet.FilterAction;
import expkt.api.packet.PacketService;
import expkt.api.packet.PacketSocket;
import expkt.itest.ExpktOptions;
import expkt.itest.ExpktTestSupport;
import expkt.lab.Lab;

/**
 * The provider inside Felix with nftables made unavailable to it (framework properties pointing at a
 * library and an nft binary that do not exist): it activates, an UP_AND_CONTINUE filter gets frames,
 * UP_AND_DROP (INGRESS, and EGRESS with its capture link) is refused naming what is missing and its
 * Debian packages, {@code expkt:acl} and {@code expkt:ports} say drop rules are unavailable and why,
 * and nothing of ours is in the namespace.
 */
public class NftUnavailableIT extends ExpktTestSupport {

    @Override
    protected Lab.Builder labSpec() {
        return Lab.builder().ports(2).bridge(true);
    }

    @Override
    protected Option[] options() {
        return new Option[] {ExpktOptions.projectBundles("expkt.provider"),
                frameworkProperty("expkt.nftables.library").value("/nonexistent/libnftables.so.1"),
                frameworkProperty("expkt.nftables.binary").value("/nonexistent/nft")};
    }

    @Test
    public void theProviderActivatesWithCopyOnlyFiltersAndSaysWhyDropRulesAreUnavailable() throws Exception {
        PacketService packets = service(PacketService.class);
        PacketSocket copy = packets.open();
        copy.setupFilter(Filter.named("nonft-copy").ethertype(0x88b5).build());
        sendFromHost(1, 0x88b5, 3);
        copy.setTimeout(Duration.ofMillis(500));
        ExosSockAddr from = new ExosSockAddr();
        byte[] buf = new byte[2048];
        int got = 0;
        while (copy.recvfrom(buf, from) >= 0) {
            got++;
        }
        assertEquals(3, got);

        PacketSocket drop = packets.open();
        for (Filter f : new Filter[] {Filter.named("nonft-drop").ethertype(0x88b6).action(FilterAction.UP_AND_DROP).build(),
                Filter.named("nonft-egress").ethertype(0x88b6).direction(Direction.EGRESS).action(FilterAction.UP_AND_DROP).build()}) {
            try {
                drop.setupFilter(f);
                throw new AssertionError(f.name() + " was accepted without nftables");
            } catch (IllegalStateException e) {
                String m = e.getMessage();
                assertTrue(m, m.contains(f.name()) && m.contains("/nonexistent/libnftables.so.1") && m.contains("/nonexistent/nft")
                        && m.contains("libnftables1") && m.contains("Debian package nftables"));
            }
        }
        assertTrue(drop.filters().isEmpty());

        String acl = command("acl");
        assertTrue(acl, acl.contains("nonft-copy") && !acl.contains("nonft-drop")
                && acl.contains("drop rules (UP_AND_DROP, EGRESS capture links) unavailable") && acl.contains("libnftables1"));
        String ports = command("ports");
        assertTrue(ports, ports.contains("drop rules (UP_AND_DROP, EGRESS capture links) unavailable"));
        String ruleset = lab().exec(lab().switchNs(), "nft", "list", "ruleset").check().stdout();
        assertFalse(ruleset, ruleset.contains("expkt"));
        String links = lab().exec(lab().switchNs(), "ip", "-o", "link").check().stdout();
        assertFalse(links, links.contains("expktc"));
        copy.close();
        drop.close();
    }

    private <T> T service(Class<T> type) throws Exception {
        return awaitService(type, " (none: the provider did not activate without nftables)");
    }

    private String command(String function) throws Exception {
        return expktCommand(function);
    }

    /** Sends {@code count} frames of {@code ethertype} from host {@code i}'s veth0 (a plain AF_PACKET socket there). */
    private void sendFromHost(int i, int ethertype, int count) throws Exception {
        HostFrames.send(lab(), i, HostFrames.frame(ethertype, 60), count);
    }
}
