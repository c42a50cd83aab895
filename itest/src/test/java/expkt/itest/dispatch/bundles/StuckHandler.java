package expkt.itest.dispatch.bundles;

import expkt.api.handler.PacketHandler;
import expkt.api.handler.PacketSender;
import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.FrameView;

/**
 * A protocol bundle's handler that gets stuck in its first call for good (as code blocked in I/O or on
 * a future that never completes may be): it ignores interrupts and never returns. Prints one line when
 * it gets stuck, so a test driving a host process knows. No references: it runs in a bare host.
 */
public final class StuckHandler implements PacketHandler {
    public void activate() {
        System.out.println("[stuck-handler] active");
    }

    public void deactivate() {
        System.out.println("[stuck-handler] deactivated");
    }

    @Override
    public void handle(FrameView frame, ExosSockAddr from, PacketSender sender) {
        System.out.println("[stuck-handler] stuck in handle() on " + Thread.currentThread().getName());
        Object never = new Object();
        while (true) {
            synchronized (never) {
                try {
                    never.wait();
                } catch (InterruptedException ignored) {
                    // stuck code does not care
                }
            }
        }
    }
}
