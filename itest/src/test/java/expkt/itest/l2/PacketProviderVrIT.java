package expkt.itest.l2;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import org.junit.Test;
import org.ops4j.pax.exam.Option;
import org.osgi.framework.ServiceReference;

import expkt.api.packet.Filter;
import expkt.api.packet.PacketService;
import expkt.api.packet.PacketSocket;
import expkt.api.vr.VirtualRouters;
import expkt.itest.ExpktOptions;
import expkt.itest.ExpktTestSupport;

/**
 * With the VR registry (expkt.vr) in the framework, a filter may name any VR it knows, an unknown VR
 * is rejected naming it, and nothing is left behind.
 */
public class PacketProviderVrIT extends ExpktTestSupport {

    @Override
    protected Option[] options() {
        return new Option[] {ExpktOptions.projectBundles("expkt.provider", "expkt.vr")};
    }

    private <T> T service(Class<T> type) throws Exception {
        long deadline = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < deadline) {
            ServiceReference<T> ref = context.getServiceReference(type);
            if (ref != null && context.getService(ref) != null) {
                return context.getService(ref);
            }
            Thread.sleep(50);
        }
        throw new AssertionError(type.getName() + " never came");
    }

    @Test
    public void filtersNameTheRegistrysVrs() throws Exception {
        VirtualRouters vrs = service(VirtualRouters.class);
        PacketService packets = service(PacketService.class);
        try (PacketSocket s = packets.open()) {
            // a VR the registry knows: accepted (its ports are elsewhere unless it is the data plane's)
            s.setupFilter(Filter.named("vr-mgmt").ethertype(0x0842).vr(vrs.byId(0).name()).build());
            s.setupFilter(Filter.named("vr-default").ethertype(0x0842).vr("VR-Default").build());
            try {
                s.setupFilter(Filter.named("vr-nope").ethertype(0x0842).vr("VR-Nope").build());
                fail("an unknown VR must be rejected");
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("VR-Nope"));
            }
            assertEquals(2, s.filters().size());
            String rules = lab().exec(lab().switchNs(), "nft", "list", "ruleset").check().stdout();
            assertTrue(rules, rules.contains("comment \"vr-default\"") && !rules.contains("vr-nope") && !rules.contains("\"vr-mgmt\""));
        }
    }
}
