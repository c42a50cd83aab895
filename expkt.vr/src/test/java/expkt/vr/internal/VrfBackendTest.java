package expkt.vr.internal;

import expkt.api.spi.BundleIdentity;
import expkt.api.vr.L3Socket;
import expkt.api.vr.RawIpSocket;
import expkt.api.vr.VirtualRouter;
import expkt.api.vr.VrBackend;
import expkt.lab.Lab;
import expkt.linux.IpSockets;
import expkt.linux.NetNs;
import expkt.linux.NetNsThread;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Field;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The VRF backend: sockets bound to the VR's device with SO_BINDTODEVICE. Everything runs on a
 * platform thread inside a lab namespace (the device check and the socket follow the calling thread's
 * namespace), never in the root namespace.
 */
class VrfBackendTest {

    /** A table that accepts VRF VRs whatever the kernel says (for the veth case only). */
    private static VrTable tableAcceptingVrf() {
        return new VrTable(new VrfSupport(true, ""));
    }

    @Test
    void vrfVrOnAKernelWithVrfServesOnlyItsDevice() throws Exception {
        VrfSupport vrf = VrfSupport.detect();
        Assumptions.assumeTrue(vrf.supported(), "VRF backend test skipped: " + vrf.reason());
        try (Lab lab = Lab.builder().ports(0).build()) {
            String r = lab.namespace("r");
            String host = lab.namespace("h");
            lab.link(r, "v0", host, "h0");
            lab.exec(r, "ip", "link", "add", "vrf_300", "type", "vrf", "table", "300").check();
            lab.exec(r, "ip", "link", "set", "vrf_300", "up").check();
            lab.exec(r, "ip", "link", "set", "v0", "master", "vrf_300").check();
            lab.addr(r, "v0", "10.0.0.1/24");
            lab.addr(host, "h0", "10.0.0.2/24");
            VrTable t = new VrTable(vrf);
            VirtualRouter v = t.add(44, "VR-Vrf", VrBackend.VRF, "");
            assertEquals("vrf_300", v.location());
            try (NetNs rns = NetNs.open(r); NetNsThread th = new NetNsThread("vrf-test", rns); VrExec exec = new VrExec()) {
                SocketOwner owner = new SocketOwner(BundleIdentity.outsideOsgi("test"));
                VrSocketsImpl s = new VrSocketsImpl(t, exec, owner, t::hostDefault);
                String reply = th.call(() -> {
                    try (DatagramChannel ch = s.openDatagramChannel("VR-Vrf", null)) {
                        assertEquals("vrf_300", IpSockets.boundDevice(VrExec.fdOfChannel(ch)));
                        return "bound";
                    }
                });
                assertEquals("bound", reply);
                owner.closeAll();
            }
        }
    }

    @Test
    void soBindToDeviceMechanicsOnAVethStandIn() throws Exception {
        // On this kernel there is no VRF device to bind to; SO_BINDTODEVICE itself works on any device,
        // so the backend's path (device check, JDK channel fd, bind, close on failure) runs on a veth.
        try (Lab lab = Lab.builder().ports(0).build()) {
            String r = lab.namespace("r");
            String host = lab.namespace("h");
            lab.link(r, "v0", host, "h0");
            lab.link(r, "v1", host, "h1");
            lab.addr(r, "v0", "10.0.0.1/24");
            lab.addr(host, "h0", "10.0.0.2/24");
            VrTable t = tableAcceptingVrf();
            t.add(40, "VR-Dev0", VrBackend.VRF, "v0");
            t.add(41, "VR-Dev1", VrBackend.VRF, "v1");
            t.add(42, "VR-NoDev", VrBackend.VRF, "xk-nodev");
            try (NetNs rns = NetNs.open(r); NetNsThread th = new NetNsThread("vrf-test", rns); VrExec exec = new VrExec()) {
                SocketOwner owner = new SocketOwner(BundleIdentity.outsideOsgi("test"));
                VrSocketsImpl s = new VrSocketsImpl(t, exec, owner, t::hostDefault);
                // the real check refuses a device that is not a VRF, naming it and its driver
                IllegalArgumentException notVrf = assertThrows(IllegalArgumentException.class,
                        () -> th.call(() -> s.openDatagramChannel("VR-Dev0", null)));
                assertTrue(notVrf.getMessage().contains("v0") && notVrf.getMessage().contains("veth"), notVrf.getMessage());
                exec.requireVrfDevice(false);
                long before = VrLab.openFds();
                th.call(() -> {
                    L3Socket<DatagramChannel> u = s.udpSocket("VR-Dev0", null);
                    assertEquals("v0", IpSockets.boundDevice(VrExec.fdOfChannel(u.channel())));
                    u.setVr("VR-Dev1");
                    assertEquals("v1", IpSockets.boundDevice(VrExec.fdOfChannel(u.channel())));
                    RawIpSocket raw = s.rawSocket("VR-Dev0", RawIpSocket.AF_INET, RawIpSocket.IPPROTO_ICMP);
                    assertEquals(40, raw.getsockopt(1, 37));
                    // bound to v1, the socket does not get a datagram that arrives through v0; bound to v0 it does
                    u.channel().bind(new InetSocketAddress(9999));
                    assertEquals(-1, fromHost(host, u.channel()));
                    L3Socket<DatagramChannel> u0 = s.udpSocket("VR-Dev0", null);
                    u0.channel().bind(new InetSocketAddress(9998));
                    assertEquals(1, fromHost(host, u0.channel()));
                    IllegalArgumentException nodev = assertThrows(IllegalArgumentException.class, () -> s.udpSocket("VR-NoDev", null));
                    assertTrue(nodev.getMessage().contains("xk-nodev") && nodev.getMessage().contains("does not exist"), nodev.getMessage());
                    return null;
                });
                assertEquals(3, owner.closeAll());
                assertEquals(before, VrLab.openFds());
            }
        }
    }

    /** Sends one byte from the host namespace to 10.0.0.1 at the channel's port; returns what the channel got, -1 if nothing. */
    private static int fromHost(String host, DatagramChannel ch) throws Exception {
        int port = ((InetSocketAddress) ch.getLocalAddress()).getPort();
        try (NetNs h = NetNs.open(host); DatagramChannel sender = NetNs.call(h, DatagramChannel::open)) {
            sender.send(java.nio.ByteBuffer.wrap(new byte[]{1}), new InetSocketAddress("10.0.0.1", port));
        }
        ch.socket().setSoTimeout(500);
        java.net.DatagramPacket p = new java.net.DatagramPacket(new byte[16], 16);
        try {
            ch.socket().receive(p);
            return p.getData()[0];
        } catch (java.net.SocketTimeoutException e) {
            return -1;
        }
    }

    @Test
    void channelFdIsReadable() throws Exception {
        try (DatagramChannel ch = DatagramChannel.open()) {
            int fd = VrExec.fdOfChannel(ch);
            assertTrue(fd > 2, "fd " + fd);
            assertEquals("", IpSockets.boundDevice(fd));
        }
        Field f = VrExec.class.getDeclaredField("FD_VAL");
        f.setAccessible(true);
        assertTrue(f.get(null) != null);
    }
}
