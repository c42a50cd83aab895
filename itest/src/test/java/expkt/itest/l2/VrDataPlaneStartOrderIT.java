package expkt.itest.l2;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.time.Duration;
import java.util.Map;

import org.junit.Test;
import org.ops4j.pax.exam.Option;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import expkt.api.packet.Filter;
import expkt.api.packet.PacketService;
import expkt.api.packet.PacketSocket;
import expkt.api.runtime.ExpktRuntime;
import expkt.itest.ExpktOptions;
import expkt.itest.ExpktTestSupport;
import expkt.lab.Topologies;
import expkt.lab.VrDataPlane;

/**
 * The order FileInstall may deliver the configurations in at start-up: the data plane's, whose ports
 * name VR-A and VR-B, before the VRs' own. The data plane's is refused first (VR-A is unknown: shown in
 * the data-plane DTO, the witness that the test sees a refusal), and is applied on its own once the VRs
 * exist — without the operator touching it — with the ports in their VRs and a {@code vr=} filter
 * receiving its VR's frames. Before the fix, the refusal stayed until the configuration was written again.
 * The configuration's ring geometry (64 blocks, not the default 256) comes into force with it: the
 * re-apply used to accept the ports and leave the defaults of the activation in force.
 */
public class VrDataPlaneStartOrderIT extends ExpktTestSupport {

    @Override
    protected expkt.lab.Lab.Builder labSpec() {
        return expkt.lab.Lab.builder().ports(2);
    }

    @Override
    protected Option[] options() {
        return new Option[] {ExpktOptions.projectBundles("expkt.provider", "expkt.vr")};
    }

    @Test
    public void aDataPlaneConfigurationNamingVrsBeforeTheyExistIsAppliedWhenTheyCome() throws Exception {
        VrDataPlane topo = Topologies.vrDataPlane(lab());
        ConfigurationAdmin cm = awaitService(ConfigurationAdmin.class);
        ExpktRuntime runtime = awaitService(ExpktRuntime.class);
        PacketService packets = awaitService(PacketService.class);

        assertEquals("the default ring before the configuration", 256, runtime.dataPlane().ringBlocks);
        cm.getConfiguration("expkt.dataplane", "?").update(VrDataPlaneIT.dict("ports", topo.portEntries(), "ring.block.count", 64));
        await("the data-plane configuration refused while VR-A is unknown", 10_000, () -> {
            String r = runtime.dataPlane().configurationRejected;
            return r != null && r.contains(VrDataPlane.VR_A);
        });

        Configuration vra = cm.createFactoryConfiguration("expkt.vr.router", "?");
        vra.update(VrDataPlaneIT.dict("name", VrDataPlane.VR_A, "id", VrDataPlane.VR_A_ID, "location", topo.vra()));
        Configuration vrb = cm.createFactoryConfiguration("expkt.vr.router", "?");
        vrb.update(VrDataPlaneIT.dict("name", VrDataPlane.VR_B, "id", VrDataPlane.VR_B_ID, "location", topo.vrb()));
        Map<String, String> wanted = Map.of("1:1", "VR-Default", "1:2", "VR-Default", "2:1", "VR-A", "2:2", "VR-A",
                "3:1", "VR-B", "3:2", "VR-B");
        await("six ports with their VRs once VR-A and VR-B exist (" + runtime.dataPlane().configurationRejected + ")", 15_000,
                () -> VrDataPlaneIT.vrsOfPorts(runtime).equals(wanted) && runtime.dataPlane().configurationRejected == null);
        await("the configuration's ring geometry (64 blocks) in force with its ports (" + runtime.dataPlane().ringBlocks + ")",
                5_000, () -> runtime.dataPlane().ringBlocks == 64);

        try (PacketSocket a = packets.open()) {
            a.setupFilter(Filter.named("vrorder-a").ethertype(VrDataPlaneIT.ET).vr(VrDataPlane.VR_A).build());
            a.setTimeout(Duration.ofMillis(3000));
            HostFrames.send(topo.hostsA().get(0).ns(), VrDataPlaneIT.frame("02:00:00:00:0a:01"), 1);
            assertEquals(Map.of("0a:01", "2:1 p1 VR-A " + VrDataPlane.VR_A_ID), VrDataPlaneIT.receive(a, 1));
        }

        // and the other way: VR-B removed, the configuration naming it is refused again, naming it
        vrb.delete();
        await("the configuration refused again once VR-B is gone", 15_000, () -> {
            String r = runtime.dataPlane().configurationRejected;
            return r != null && r.contains(VrDataPlane.VR_B);
        });
        assertTrue(runtime.dataPlane().configurationRejected, runtime.dataPlane().configurationRejected.contains(VrDataPlane.VR_B));
        vra.delete();
    }
}
