package expkt.provider;

import expkt.provider.dispatch.LaneRegistry;
import expkt.provider.socket.PacketSocketImpl;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The call budget never ends a call before its first frame: a callback that works longer than the whole
 * budget ({@link LaneRegistry#CALL_BUDGET_NANOS}) before it reads (or a lane thread preempted that long
 * between the call's start and its first receive, on a loaded machine) still gets a frame per call. Before,
 * the budget read the clock at the call's first receive and reported "no frame": the call consumed none
 * while frames waited, so the lane backed it off as "left its frames unread" (a cold path on the lane) and
 * the callback never received anything.
 */
class BudgetFirstFrameTest extends L2ProviderTestBase {

    @Test
    void aCallThatStartsLateStillGetsItsFirstFrame() throws Exception {
        engine();
        PacketSocketImpl s = nonBlocking("late-reader", 0x0842);
        AtomicInteger got = new AtomicInteger();
        s.setCallback(sock -> {
            long until = System.nanoTime() + LaneRegistry.CALL_BUDGET_NANOS + 300_000L; // longer than the budget, before any read
            while (System.nanoTime() - until < 0) {
                Thread.onSpinWait();
            }
            while (sock.receive(null) != null) {
                got.incrementAndGet();
            }
        });
        try (Wire h1 = Wire.host(lab, 1)) {
            byte[] frame = Wire.frame("00:e0:2b:00:00:00", HOST_MAC, 0x0842, 64);
            for (int i = 0; i < 5; i++) {
                h1.send(frame);
            }
            expkt.lab.Deadlines.await(10_000, "5 frames through a callback that reads late", () -> got.get() >= 5);
            assertEquals(5, got.get());
            assertEquals(0, s.callbackRegistration().unreadCalls(), "calls backed off as having left their frames unread");
        } finally {
            s.close();
        }
    }
}
