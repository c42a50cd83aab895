package expkt.itest.l2;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import org.junit.Test;
import org.ops4j.pax.exam.Option;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;

import expkt.api.handler.PacketHandler;
import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.Filter;
import expkt.api.packet.FilterAction;
import expkt.api.packet.PacketService;
import expkt.api.packet.PacketSocket;
import expkt.api.runtime.ExpktRuntime;
import expkt.api.runtime.FilterDTO;
import expkt.api.runtime.HandlerDTO;
import expkt.api.runtime.LaneDTO;
import expkt.api.runtime.PortDTO;
import expkt.api.runtime.RuntimeDTO;
import expkt.api.runtime.SocketDTO;
import expkt.api.runtime.VrDTO;
import expkt.itest.ExpktOptions;
import expkt.itest.ExpktTestSupport;

/**
 * The runtime introspection service as a consumer sees it: {@link ExpktRuntime} from the OSGi
 * registry of a real framework (provider and VR registry deployed) on the lab's switch namespace. Its
 * DTOs show the lab's ports, the VR registry's VRs, a filter of this bundle whose nftables counter
 * grows with the frames sent, the socket that read them, a whiteboard handler with its
 * {@code service.id} and the provider revision serving it, and the lanes; the Gogo commands print
 * the same DTOs.
 */
public class RuntimeServiceIT extends ExpktTestSupport {

    @Override
    protected Option[] options() {
        return new Option[] {ExpktOptions.projectBundles("expkt.provider", "expkt.vr")};
    }

    private <T> T service(Class<T> type) throws Exception {
        return awaitService(type);
    }

    private String command(String function) throws Exception {
        ServiceReference<?>[] refs = context.getServiceReferences((String) null,
                "(&(osgi.command.scope=expkt)(osgi.command.function=" + function + "))");
        assertTrue("no expkt:" + function + " command", refs != null);
        Object svc = context.getService(refs[0]);
        Method m = svc.getClass().getMethod(function);
        return String.valueOf(m.invoke(svc));
    }

    private static <T> T only(List<T> list, Predicate<T> which, String what) {
        List<T> l = list.stream().filter(which).toList();
        assertEquals(what + " in " + list, 1, l.size());
        return l.get(0);
    }

    /** Sends {@code count} copies of {@code frame} from host {@code i}'s veth0 (a peer on the wire). */
    private void sendFromHost(int i, byte[] frame, int count) throws Exception {
        HostFrames.send(lab(), i, frame, count);
    }

    private static byte[] frame(int ethertype, int length) {
        return HostFrames.frame(ethertype, length);
    }

    @Test
    public void theRegistrysRuntimeServiceShowsPortsVrsFiltersSocketsHandlersAndLanes() throws Exception {
        ExpktRuntime rt = service(ExpktRuntime.class);
        Bundle provider = context.getServiceReference(ExpktRuntime.class).getBundle();
        assertEquals("expkt.provider", provider.getSymbolicName());

        // the data plane and the revision answering
        var dp = rt.dataPlane();
        assertEquals(lab().switchNs(), dp.namespace);
        assertEquals(provider.getBundleId(), dp.provider.bundleId);
        assertEquals(provider.getVersion().toString(), dp.provider.version);
        assertEquals(provider.getLastModified(), dp.provider.lastModified);

        // ports: the lab's, as the kernel has them
        await("both ports up", 10_000, () -> rt.ports().stream().filter(p -> PortDTO.UP.equals(p.operState)).count() == 2);
        List<PortDTO> ports = rt.ports();
        assertEquals(List.of("p1", "p2"), ports.stream().map(p -> p.ifName).toList());
        assertTrue(lab().host(1).switchMac().equalsIgnoreCase(ports.get(0).mac));
        assertEquals(1500, ports.get(0).mtu);

        // the VR registry (bundle expkt.vr) is there: its VRs, the data plane's marked
        List<VrDTO> vrs = rt.vrs();
        assertTrue(vrs.toString(), vrs.stream().allMatch(v -> v.registered));
        assertEquals(List.of("VR-Mgmt", "VR-Control", "VR-Default"), vrs.stream().limit(3).map(v -> v.name).toList());
        assertEquals("VR-Default", only(vrs, v -> v.dataPlane, "the data plane's VR").name);

        // a filter of this bundle: counted before (0) and after the frames
        PacketService packets = service(PacketService.class);
        try (PacketSocket s = packets.open()) {
            s.setupFilter(Filter.named("rt-drop").ethertype(0x88b5).action(FilterAction.UP_AND_DROP).build());
            FilterDTO f = only(rt.filters(), x -> x.name.equals("rt-drop"), "filter rt-drop");
            assertEquals(FilterDTO.ENFORCED, f.state);
            assertEquals(context.getBundle().getBundleId(), f.ownerBundleId);
            assertEquals(0, f.packets);
            sendFromHost(1, frame(0x88b5, 60), 7);
            await("the nft counter of rt-drop to count 7 frames", 10_000,
                    () -> only(rt.filters(), x -> x.name.equals("rt-drop"), "rt-drop").packets == 7);
            assertEquals(7 * 60, only(rt.filters(), x -> x.name.equals("rt-drop"), "rt-drop").bytes);
            s.setTimeout(Duration.ofMillis(500));
            byte[] buf = new byte[2048];
            ExosSockAddr from = new ExosSockAddr();
            int got = 0;
            while (got < 7 && s.recvfrom(buf, from) >= 0) {
                got++;
            }
            assertEquals(7, got);
            SocketDTO sd = only(rt.sockets(), x -> x.filters.contains("rt-drop"), "the socket of rt-drop");
            assertEquals(7, sd.frames);
            assertEquals(f.socketId, sd.id);
            assertEquals(provider.getBundleId(), sd.servedBy.bundleId);
            // expkt:acl prints the same DTO
            String acl = command("acl");
            assertTrue(acl, acl.matches("(?s).*enforced\\s+rt-drop\\s.*#" + sd.id + "\\s+ethertype 0x88b5\\s+UP_AND_DROP\\s+INGRESS\\s+all\\s+7\\s+420\\n.*"));
        }
        assertTrue("the closed socket's filter went", rt.filters().stream().noneMatch(x -> x.name.equals("rt-drop")));

        // a whiteboard handler: its service.id and the provider revision serving it
        AtomicInteger handled = new AtomicInteger();
        PacketHandler h = (frame, from, sender) -> handled.incrementAndGet();
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(PacketHandler.FILTER_NAME, "rt-handler");
        props.put(PacketHandler.FILTER_ETHERTYPE, 0x88b6);
        ServiceRegistration<PacketHandler> reg = context.registerService(PacketHandler.class, h, props);
        try {
            await("the handler to be served", 10_000, () -> rt.handlers().stream().anyMatch(x -> "rt-handler".equals(x.filter)));
            HandlerDTO hd = only(rt.handlers(), x -> "rt-handler".equals(x.filter), "handler rt-handler");
            assertEquals(reg.getReference().getProperty(Constants.SERVICE_ID), hd.serviceId);
            assertEquals(context.getBundle().getBundleId(), hd.bundleId);
            assertEquals(provider.getBundleId(), hd.servedBy.bundleId);
            assertEquals(provider.getLastModified(), hd.servedBy.lastModified);
            assertEquals(0, hd.frames);
            sendFromHost(2, frame(0x88b6, 64), 5);
            await("5 frames handled", 10_000, () -> handled.get() == 5);
            await("the DTO to count them", 10_000,
                    () -> only(rt.handlers(), x -> "rt-handler".equals(x.filter), "rt-handler").frames == 5);
            hd = only(rt.handlers(), x -> "rt-handler".equals(x.filter), "handler rt-handler");
            assertEquals("active", hd.state);
            assertEquals(0, hd.exceptions);
            String lane = "lane-" + context.getBundle().getBundleId();
            assertEquals(lane, hd.lane);
            LaneDTO l = only(rt.lanes(), x -> x.name.equals(lane), lane);
            assertEquals("expkt-dispatch-" + lane, l.thread);
            assertTrue(l.toString(), l.registrations == 1 && l.calls > 0 && l.wakeups > 0 && l.busyNanos > 0);
            assertTrue(command("handlers"), command("handlers").matches("(?s).*handler\\s+\\S+ \\[" + hd.bundleId
                    + "]\\s+\\S+\\s+rt-handler\\s+ethertype 0x88b6\\s+active\\s+#" + hd.socketId + "\\s+" + lane + "\\s+5\\s.*"));

            // one snapshot of everything
            RuntimeDTO all = rt.snapshot();
            assertTrue(all.handlers.stream().anyMatch(x -> "rt-handler".equals(x.filter) && x.frames == 5));
            assertEquals(2, all.ports.size());
            assertFalse(all.vrs.isEmpty());
        } finally {
            reg.unregister();
        }
        HandlerDTO parked = only(rt.handlers(), x -> "rt-handler".equals(x.filter), "parked rt-handler");
        assertTrue(parked.state, parked.parked);
        assertEquals(-1, parked.serviceId);
        assertNull(parked.reason);
    }
}
