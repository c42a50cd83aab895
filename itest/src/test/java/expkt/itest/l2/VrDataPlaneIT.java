package expkt.itest.l2;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.Test;
import org.ops4j.pax.exam.Option;
import org.osgi.service.cm.ConfigurationAdmin;

import expkt.api.net.SlotPort;
import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.Filter;
import expkt.api.packet.PacketService;
import expkt.api.packet.PacketSocket;
import expkt.api.runtime.ExpktRuntime;
import expkt.api.runtime.PortDTO;
import expkt.api.vr.VirtualRouters;
import expkt.itest.ExpktOptions;
import expkt.itest.ExpktTestSupport;
import expkt.lab.Topologies;
import expkt.lab.VrDataPlane;
import expkt.linux.Fds;
import expkt.linux.NetInterfaces;
import expkt.linux.NetNs;
import expkt.linux.PacketSockets;

/**
 * The whole host with the VR registry: VR-A and VR-B configured as an operator would (ConfigAdmin,
 * {@code expkt.vr.router}) on the namespaces of {@link Topologies#vrDataPlane(expkt.lab.Lab)}, the
 * data plane's ports put in them by {@code expkt.dataplane} entries ({@code 2:1=p1 vr=VR-A}); real
 * frames from and to the far hosts.
 */
public class VrDataPlaneIT extends ExpktTestSupport {
    static final int ET = 0x88B6;

    @Override
    protected expkt.lab.Lab.Builder labSpec() {
        return expkt.lab.Lab.builder().ports(2); // no bridge: a far host sees only what the provider sends to its port
    }

    @Override
    protected Option[] options() {
        return new Option[] {ExpktOptions.projectBundles("expkt.provider", "expkt.vr")};
    }

    static Dictionary<String, Object> dict(Object... kv) {
        Hashtable<String, Object> d = new Hashtable<>();
        for (int i = 0; i < kv.length; i += 2) {
            d.put((String) kv[i], kv[i + 1]);
        }
        return d;
    }

    @Test
    public void portsOfTwoVrsVrFiltersAndSends() throws Exception {
        VrDataPlane topo = Topologies.vrDataPlane(lab());
        ConfigurationAdmin cm = awaitService(ConfigurationAdmin.class);
        VirtualRouters vrs = awaitService(VirtualRouters.class);
        ExpktRuntime runtime = awaitService(ExpktRuntime.class);
        PacketService packets = awaitService(PacketService.class);
        cm.createFactoryConfiguration("expkt.vr.router", "?").update(dict("name", VrDataPlane.VR_A, "id", VrDataPlane.VR_A_ID,
                "location", topo.vra()));
        cm.createFactoryConfiguration("expkt.vr.router", "?").update(dict("name", VrDataPlane.VR_B, "id", VrDataPlane.VR_B_ID,
                "location", topo.vrb()));
        await("VR-A and VR-B in the registry", 10_000, () -> vrs.list().stream().filter(v -> v.name().startsWith("VR-")
                && v.id() >= 10).count() == 2);
        cm.getConfiguration("expkt.dataplane", "?").update(dict("ports", topo.portEntries()));
        await("six ports with their VRs", 10_000, () -> vrsOfPorts(runtime).equals(Map.of("1:1", "VR-Default", "1:2", "VR-Default",
                "2:1", "VR-A", "2:2", "VR-A", "3:1", "VR-B", "3:2", "VR-B")));

        try (PacketSocket all = packets.open(); PacketSocket a = packets.open(); PacketSocket b = packets.open()) {
            all.setupFilter(Filter.named("vrdpit-all").ethertype(ET).build());
            a.setupFilter(Filter.named("vrdpit-a").ethertype(ET).vr(VrDataPlane.VR_A).build());
            b.setupFilter(Filter.named("vrdpit-b").ethertype(ET).vr(VrDataPlane.VR_B).build());
            for (PacketSocket s : List.of(all, a, b)) {
                s.setTimeout(Duration.ofMillis(3000));
            }
            HostFrames.send(topo.hostsA().get(1).ns(), frame("02:00:00:00:0a:02"), 1);
            HostFrames.send(topo.hostsB().get(0).ns(), frame("02:00:00:00:0b:01"), 1);
            HostFrames.send(lab().host(2).ns(), frame("02:00:00:00:0d:02"), 1);
            Map<String, String> seen = receive(all, 3);
            assertEquals(Map.of("0a:02", "2:2 p2 VR-A 10", "0b:01", "3:1 p1 VR-B 11", "0d:02", "1:2 p2 VR-Default 2"), seen);
            assertEquals(Map.of("0b:01", "3:1 p1 VR-B 11"), receive(b, 1));
            assertEquals(Map.of("0a:02", "2:2 p2 VR-A 10"), receive(a, 1));
            a.setTimeout(Duration.ofMillis(500));
            assertEquals("a vr=VR-A socket got a frame of another VR", Map.of(), receive(a, 1));

            // a send to VR-B's 3:1 leaves VR-B's p1, not the switch's p1 nor VR-A's
            try (Catcher atB = Catcher.on(topo.hostsB().get(0).ns()); Catcher atA = Catcher.on(topo.hostsA().get(0).ns());
                 Catcher atDefault = Catcher.on(lab().host(1).ns())) {
                byte[] toAll = frame("02:00:00:00:01:01");
                all.sendto(toAll, SlotPort.of(1, 1), SlotPort.of(2, 1), SlotPort.of(3, 1));
                for (Catcher c : List.of(atB, atA, atDefault)) {
                    assertEquals("copies at " + c.ns, 1, c.frames(ET, 1000).size());
                }
                byte[] toB = frame("02:00:00:00:01:02");
                all.sendto(toB, SlotPort.of(3, 1));
                List<byte[]> got = atB.frames(ET, 1000);
                assertEquals(1, got.size());
                assertEquals(0x02, got.get(0)[11] & 0xFF);
                assertEquals(0, atA.frames(ET, 300).size());
                assertEquals(0, atDefault.frames(ET, 300).size());
            }
        }
        String ports = runtime.ports().toString();
        assertTrue(ports, ports.contains("VR-B"));

        // an update of expkt.vr (branch vrreg): the provider's VirtualRouters is the keeper's, so the provider does not
        // unbind it, its ports keep their VRs, and the swap (the same VRs before and after) re-applies nothing
        Path log = Path.of(context.getProperty(ExpktOptions.LOG_FILE));
        long configuredBefore = configured(log);
        org.osgi.framework.Bundle vr = null;
        for (org.osgi.framework.Bundle b : context.getBundles()) {
            if ("expkt.vr".equals(b.getSymbolicName())) {
                vr = b;
            }
        }
        assertTrue("bundle expkt.vr", vr != null);
        vr.update();
        refresh();
        await("the keeper serves on the next revision of expkt.vr", 10_000, () -> {
            try {
                return expktCommand("keeper").contains("vr engines since start: 2 ");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertEquals(VrDataPlane.VR_B_ID, vrs.byName(VrDataPlane.VR_B).id());
        assertEquals("the ports keep their VRs across the update of expkt.vr", Map.of("1:1", "VR-Default", "1:2", "VR-Default",
                "2:1", "VR-A", "2:2", "VR-A", "3:1", "VR-B", "3:2", "VR-B"), vrsOfPorts(runtime));
        // the provider's onVrChange listener, registered on the revision before, hears the new revision's changes: a VR
        // added now makes it apply its configuration again (one more "configured" line), which it would not without it
        String vrcNs = lab().namespace("vrc");
        cm.createFactoryConfiguration("expkt.vr.router", "?").update(dict("name", "VR-C", "id", 12, "location", vrcNs));
        await("the provider re-applied its ports after VR-C came (a change of the updated revision)", 10_000,
                () -> configured(log) == configuredBefore + 1);
        assertEquals(vrsOfPorts(runtime).toString(), 6, vrsOfPorts(runtime).size());
    }

    /** How often the provider applied its data-plane configuration ("expkt data plane configured" in the log). */
    private static long configured(Path log) {
        try {
            return java.nio.file.Files.readAllLines(log).stream().filter(l -> l.contains("expkt data plane configured:")).count();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void refresh() throws InterruptedException {
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        context.getBundle(0).adapt(org.osgi.framework.wiring.FrameworkWiring.class).refreshBundles(null, e -> done.countDown());
        assertTrue("the refresh after the update", done.await(30, java.util.concurrent.TimeUnit.SECONDS));
    }

    static Map<String, String> vrsOfPorts(ExpktRuntime runtime) {
        Map<String, String> m = new TreeMap<>();
        for (PortDTO p : runtime.ports()) {
            m.put(p.slotPort, p.vr);
        }
        return m;
    }

    static byte[] frame(String src) {
        byte[] f = HostFrames.frame(ET, 64);
        String[] o = src.split(":");
        for (int i = 0; i < 6; i++) {
            f[6 + i] = (byte) Integer.parseInt(o[i], 16);
        }
        return f;
    }

    /** Up to {@code n} frames, keyed by the last two bytes of their source MAC, valued "slot:port ifName vrName vrId". */
    static Map<String, String> receive(PacketSocket s, int n) throws Exception {
        Map<String, String> seen = new TreeMap<>();
        byte[] buf = new byte[2048];
        ExosSockAddr from = new ExosSockAddr();
        for (int i = 0; i < n; i++) {
            int len = s.recvfrom(buf, from);
            if (len < 0) {
                break;
            }
            seen.put(String.format("%02x:%02x", buf[10] & 0xFF, buf[11] & 0xFF),
                    from.slot() + ":" + from.port() + " " + from.ifName() + " " + from.vrName() + " " + from.vrId());
        }
        return seen;
    }

    /** A plain AF_PACKET socket on a far host's veth0 (incoming frames only), not expkt's. */
    static final class Catcher implements AutoCloseable {
        final String ns;
        final int fd;
        final Arena arena = Arena.ofShared();
        final MemorySegment buf = arena.allocate(65536, 8);
        final MemorySegment pollfd = arena.allocate(PacketSockets.POLLFD_SIZE, 8);

        private Catcher(String ns, int fd) {
            this.ns = ns;
            this.fd = fd;
        }

        static Catcher on(String nsName) throws Exception {
            try (NetNs ns = NetNs.open(nsName)) {
                int fd = NetNs.call(ns, () -> {
                    int index = NetInterfaces.list().stream().filter(i -> i.name().equals("veth0")).findFirst().orElseThrow().index();
                    int s = PacketSockets.open(0);
                    PacketSockets.setInt(s, PacketSockets.SOL_PACKET, PacketSockets.PACKET_IGNORE_OUTGOING, 1, "PACKET_IGNORE_OUTGOING");
                    PacketSockets.bind(s, PacketSockets.ETH_P_ALL, index);
                    return s;
                });
                return new Catcher(nsName, fd);
            }
        }

        /** The frames with {@code ethertype} that arrive until none came for {@code quietMillis}. */
        List<byte[]> frames(int ethertype, int quietMillis) throws Exception {
            List<byte[]> out = new ArrayList<>();
            while (PacketSockets.poll(pollfd, fd, PacketSockets.POLLIN, quietMillis) != 0) {
                long n = PacketSockets.recv(fd, buf, PacketSockets.MSG_DONTWAIT);
                if (n >= 14) {
                    byte[] f = buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
                    if ((((f[12] & 0xFF) << 8) | (f[13] & 0xFF)) == ethertype) {
                        out.add(f);
                    }
                }
            }
            return out;
        }

        @Override
        public void close() {
            Fds.closeQuietly(fd);
            arena.close();
        }
    }
}
