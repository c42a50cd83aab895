package expkt.itest.l2;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.junit.Test;
import org.ops4j.pax.exam.Option;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;

import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.Expkt;
import expkt.api.packet.Filter;
import expkt.api.packet.FilterAction;
import expkt.api.packet.PacketService;
import expkt.api.packet.PacketSocket;
import expkt.itest.ExpktOptions;
import expkt.itest.ExpktTestSupport;
import expkt.lab.Lab;

/**
 * The L2 provider inside Felix, on the lab's switch namespace: a bundle gets its own PacketService,
 * opens sockets and sets filters; {@code expkt:acl} and {@code nft list ruleset} show them by name with
 * counts that match what was sent; when the bundle stops without closing anything, its sockets,
 * filters and nftables rules are gone.
 */
public class PacketProviderIT extends ExpktTestSupport {

    @Override
    protected Lab.Builder labSpec() {
        return Lab.builder().ports(3).bridge(true);
    }

    @Override
    protected Option[] options() {
        return new Option[] {ExpktOptions.projectBundles("expkt.provider")};
    }

    /** A bundle of its own (manifest only) that will own sockets, as a protocol bundle would. */
    private Bundle installOwner(String bsn) throws Exception {
        Manifest mf = new Manifest();
        Attributes a = mf.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", bsn);
        a.putValue("Bundle-Version", "1.0.0");
        a.putValue("Import-Package", "expkt.api.packet");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(out, mf)) {
            jar.flush();
        }
        Bundle b = context.installBundle("itest:" + bsn, new ByteArrayInputStream(out.toByteArray()));
        b.start();
        return b;
    }

    private static <T> T waitForService(org.osgi.framework.BundleContext ctx, Class<T> type) throws Exception {
        java.util.concurrent.atomic.AtomicReference<T> got = new java.util.concurrent.atomic.AtomicReference<>();
        await("a " + type.getName() + " service for " + ctx.getBundle().getSymbolicName(), 10_000, () -> {
            ServiceReference<T> ref = ctx.getServiceReference(type);
            got.set(ref == null ? null : ctx.getService(ref));
            return got.get() != null;
        });
        return got.get();
    }

    private String command(String function) throws Exception {
        return expktCommand(function);
    }

    private String ruleset() {
        return lab().exec(lab().switchNs(), "nft", "list", "ruleset").check().stdout();
    }

    /** Sends {@code count} copies of {@code frame} from host {@code i}'s veth0 (a peer on the wire). */
    private void sendFromHost(int i, byte[] frame, int count) throws Exception {
        HostFrames.send(lab(), i, frame, count);
    }

    private static byte[] frame(int ethertype, int length) {
        return HostFrames.frame(ethertype, length);
    }

    @Test
    public void aBundlesSocketsFiltersAndRulesGoWhenItStopsWithoutClosingThem() throws Exception {
        Bundle owner = installOwner("com.example.itest.owner");
        PacketService packets = waitForService(owner.getBundleContext(), PacketService.class);
        assertEquals(3, packets.ports().size());
        PacketSocket sock = packets.socket(Expkt.PF_EXOS_PACKET, Expkt.SOCK_RAW, Expkt.htons(Expkt.ETH_P_ALL));
        sock.setupFilter(Filter.named("itest-wol").ethertype(0x0842).build());
        sock.setupFilter(Filter.named("itest-drop").ethertype(0x88b5).action(FilterAction.UP_AND_DROP).build());
        PacketSocket second = packets.open();
        second.setupFilter(Filter.named("itest-mac").dstmac("00:E0:2B:00:00:00").build());

        sendFromHost(1, frame(0x0842, 80), 4);
        sendFromHost(2, frame(0x88b5, 60), 2);
        sock.setTimeout(Duration.ofMillis(500));
        ExosSockAddr from = new ExosSockAddr();
        byte[] buf = new byte[2048];
        int got = 0;
        while (sock.recvfrom(buf, from) >= 0) {
            got++;
        }
        assertEquals(6, got);

        String acl = command("acl");
        assertTrue(acl, acl.matches("(?s).*itest-wol\\s+com\\.example\\.itest\\.owner 1\\.0\\.0 \\[\\d+]\\s+#\\d+\\s+ethertype 0x0842\\s+UP_AND_CONTINUE\\s+INGRESS\\s+all\\s+4\\s+320\\n.*"));
        assertTrue(acl, acl.matches("(?s).*itest-drop\\s+com\\.example\\.itest\\.owner.*UP_AND_DROP\\s+INGRESS\\s+all\\s+2\\s+120\\n.*"));
        // every filter that matches a frame counts it, as every socket whose filter matches gets it: the 0x88b5
        // frames on p2 match itest-drop and itest-mac (the punt chain copies them once, then drops them), so
        // itest-mac counts all 6 frames its socket received (4 x 80 + 2 x 60 bytes)
        assertTrue(acl, acl.matches("(?s).*itest-mac[^\\n]*dstmac 00:E0:2B:00:00:00[^\\n]*\\s6\\s+440\\n.*"));
        // nft itself counts bytes after the Ethernet header at the ingress hook
        String rules = ruleset();
        // (each rule marks the frame for the port's punt chain: 0x40000000 punt, 0x80000000 drop)
        assertTrue(rules, rules.matches("(?s).*chain in_p1 \\{[^}]*counter packets 4 bytes 264 meta mark set meta mark \\| 0x40000000 comment \"itest-wol\".*"));
        assertTrue(rules, rules.matches("(?s).*chain in_p2 \\{[^}]*counter packets 2 bytes 92 meta mark set meta mark \\| 0xc0000000 comment \"itest-drop\".*"));
        assertTrue(command("sockets"), command("sockets").contains("itest-wol,itest-drop"));
        assertTrue(command("ports"), command("ports").matches("(?s).*1:3\\s+p3.*"));

        // the bundle stops without closing anything
        owner.stop();
        assertFalse(sock.isOpen());
        assertFalse(second.isOpen());
        String aclAfter = command("acl");
        assertFalse(aclAfter, aclAfter.contains("itest-"));
        String rulesAfter = ruleset();
        assertFalse(rulesAfter, rulesAfter.contains("itest-"));
        assertTrue(rulesAfter, rulesAfter.contains("table netdev expkt"));
        assertFalse(command("sockets"), command("sockets").contains("com.example.itest.owner"));
        owner.uninstall();

        // the provider bundle stopping takes its whole table away
        Bundle provider = null;
        for (Bundle b : context.getBundles()) {
            if ("expkt.provider".equals(b.getSymbolicName())) {
                provider = b;
            }
        }
        assertNotNull(provider);
        provider.stop();
        assertFalse(ruleset(), ruleset().contains("expkt"));
        provider.start();
    }
}
