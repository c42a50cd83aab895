package expkt.provider;

import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.Expkt;
import expkt.api.packet.Filter;
import expkt.api.packet.RxMode;
import expkt.api.runtime.ExpktRuntime;
import expkt.api.runtime.LaneDTO;
import expkt.api.runtime.SocketDTO;
import expkt.provider.command.L2Tables;
import expkt.provider.dispatch.BusyPoll;
import expkt.provider.runtime.RuntimeSnapshots;
import expkt.provider.socket.PacketSocketImpl;
import org.junit.jupiter.api.Test;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SO_BUSY_POLL: the socket option, the host default (framework property), what the runtime DTOs and
 * {@code expkt:sockets} show, and the mechanism itself: a lane with a budget finds the next frame by
 * looking at the ring (a "poll", no epoll wake-up), a lane without one never does.
 */
class BusyPollTest extends L2ProviderTestBase {

    @Test
    void theOptionIsSetReadAndShownAndBadValuesAreRefused() throws Exception {
        engine();
        PacketSocketImpl s = engine.open(OWNER);
        assertEquals(0, s.getsockopt(Expkt.SOL_SOCKET, Expkt.SO_BUSY_POLL), "a THROUGHPUT socket's default: no polling");
        PacketSocketImpl latency = engine.open(OWNER, RxMode.LATENCY);
        assertEquals(100, latency.getsockopt(Expkt.SOL_SOCKET, Expkt.SO_BUSY_POLL), "a LATENCY socket's default: 100 µs");
        s.setsockopt(Expkt.SOL_SOCKET, Expkt.SO_BUSY_POLL, 250);
        assertEquals(250, s.getsockopt(Expkt.SOL_SOCKET, Expkt.SO_BUSY_POLL));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> s.setsockopt(Expkt.SOL_SOCKET, Expkt.SO_BUSY_POLL, BusyPoll.MAX_MICROS + 1));
        assertTrue(e.getMessage().contains("10001") && e.getMessage().contains("SO_BUSY_POLL"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> s.setsockopt(Expkt.SOL_SOCKET, Expkt.SO_BUSY_POLL, -5));
        assertEquals(250, s.getsockopt(Expkt.SOL_SOCKET, Expkt.SO_BUSY_POLL), "a refused value changes nothing");
        assertThrows(IllegalArgumentException.class, () -> s.setsockopt(Expkt.SOL_SOCKET, 47, 1), "other options stay refused");

        s.setupFilter(Filter.named("bp-show").ethertype(0x0842).build());
        s.setBlocking(false);
        s.setCallback(sock -> {
            while (sock.receive(new ExosSockAddr()) != null) {
                // drain
            }
        });
        ExpktRuntime rt = RuntimeSnapshots.of(engine, null);
        SocketDTO d = RuntimeDtoTest.only(rt.sockets(), x -> x.id == s.id(), "the socket");
        assertEquals(250, d.busyPollMicros);
        LaneDTO shared = RuntimeDtoTest.only(rt.lanes(), x -> x.name.equals("shared"), "the shared lane");
        assertEquals(250, shared.busyPollMicros, "a lane polls as long as its most demanding socket");
        assertEquals(250, RuntimeDtoTest.only(rt.handlers(), x -> x.socketId == s.id(), "the callback").busyPollMicros);
        String table = L2Tables.sockets(engine);
        assertTrue(table.contains("POLL_US") && table.lines().anyMatch(l -> l.startsWith("#" + s.id()) && l.strip().endsWith("250")),
                table);
    }

    @Test
    void theHostDefaultComesFromTheFrameworkPropertyAndABadOneStopsTheStart() throws Exception {
        System.setProperty(RxMode.BUSY_POLL_PROPERTY, "40");
        try {
            engine();
            PacketSocketImpl s = engine.open(OWNER);
            assertEquals(40, s.getsockopt(Expkt.SOL_SOCKET, Expkt.SO_BUSY_POLL));
            assertEquals(40, engine.open(OWNER, RxMode.LATENCY).getsockopt(Expkt.SOL_SOCKET, Expkt.SO_BUSY_POLL),
                    "the property is the default of every mode");
            s.setsockopt(Expkt.SOL_SOCKET, Expkt.SO_BUSY_POLL, 0);
            assertEquals(0, s.getsockopt(Expkt.SOL_SOCKET, Expkt.SO_BUSY_POLL), "a socket's own 0 overrides the default");
            s.busyPollMicros(-1);
            assertEquals(40, s.getsockopt(Expkt.SOL_SOCKET, Expkt.SO_BUSY_POLL), "back to the default");
            stopEngine();
            System.setProperty(RxMode.BUSY_POLL_PROPERTY, "fast");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, this::engine);
            assertTrue(e.getMessage().contains(RxMode.BUSY_POLL_PROPERTY) && e.getMessage().contains("\"fast\""), e.getMessage());
        } finally {
            System.clearProperty(RxMode.BUSY_POLL_PROPERTY);
            if (dataPlane != null) { // the refused engine left its data plane
                dataPlane.close();
                dataPlane = null;
            }
        }
    }

    @Test
    void aLaneWithABudgetFindsTheNextFrameOnTheRingWithoutAWakeUp() throws Exception {
        engine();
        Wire h1 = wire(1);
        // without a budget: every frame costs an epoll wake-up, no poll ever finds one
        assertEquals(0, pingPong(h1, 0, 0x0842), "a lane with budget 0 never polls");
        // with one (the largest: a loaded test machine may take milliseconds to send the next frame)
        long polls = pingPong(h1, BusyPoll.MAX_MICROS, 0x0843);
        assertTrue(polls > 0, "a lane with a 10 ms budget found frames by polling the ring: " + polls);
    }

    /** Sends 100 frames one at a time, each after the callback took the previous one; returns the shared lane's polls meanwhile. */
    private long pingPong(Wire h1, int budgetMicros, int ethertype) throws Exception {
        PacketSocketImpl s = engine.open(OWNER, RxMode.LATENCY);
        s.setupFilter(Filter.named("bp-" + Integer.toHexString(ethertype)).ethertype(ethertype).build());
        s.setsockopt(Expkt.SOL_SOCKET, Expkt.SO_BUSY_POLL, budgetMicros);
        s.setBlocking(false);
        Semaphore got = new Semaphore(0);
        AtomicLong frames = new AtomicLong();
        s.setCallback(sock -> {
            ExosSockAddr from = new ExosSockAddr();
            while (sock.receive(from) != null) {
                frames.incrementAndGet();
                got.release();
            }
        });
        ExpktRuntime rt = RuntimeSnapshots.of(engine, null);
        long before = RuntimeDtoTest.only(rt.lanes(), x -> x.name.equals("shared"), "the shared lane").polls;
        for (int i = 0; i < 100; i++) {
            h1.send(Wire.frame("00:e0:2b:00:00:00", HOST_MAC, ethertype, 64));
            assertTrue(got.tryAcquire(10, TimeUnit.SECONDS), "frame " + i + " reached the callback");
        }
        LaneDTO lane = RuntimeDtoTest.only(rt.lanes(), x -> x.name.equals("shared"), "the shared lane");
        assertEquals(100, frames.get());
        s.close();
        if (budgetMicros > 0) {
            assertTrue(lane.spinNanos > 0, lane.toString());
        }
        return lane.polls - before;
    }
}
