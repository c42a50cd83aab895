package expkt.itest.dispatch;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;

import java.util.Dictionary;
import java.util.Hashtable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.Test;
import org.osgi.framework.ServiceRegistration;

import expkt.api.handler.PacketHandler;

/**
 * A whiteboard handler whose service properties change while it is registered (what a component's
 * {@code modified} method or {@code ServiceRegistration.setProperties} does): the new
 * {@code expkt.filter.*} and {@code expkt.rx.mode} are applied — the handler gets the frames of its new
 * filter, no longer those of the old one, on a socket in the new receive mode.
 */
public class HandlerPropertiesIT extends DispatchTestSupport {
    static final int OLD = 0x88b6;
    static final int NEW = 0x88b7;

    void send(int ethertype, int rounds) throws Exception {
        java.nio.file.Path gen = generator();
        java.nio.file.Path log = java.nio.file.Files.createTempFile("seqgen", ".log");
        Process p = lab().spawn(lab().host(1).ns(), log, gen.toString(), "veth0", "0x" + Integer.toHexString(ethertype),
                Integer.toString(rounds), "1000");
        org.junit.Assert.assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(java.nio.file.Files.readString(log), 0, p.exitValue());
    }

    static String socketOf(String table, String filter) {
        return row(table, filter)[6];
    }

    @Test
    public void changedFilterAndReceiveModePropertiesAreApplied() throws Exception {
        AtomicInteger old = new AtomicInteger();
        AtomicInteger neu = new AtomicInteger();
        PacketHandler h = (frame, from, sender) -> {
            int et = frame.getUnsignedShort(12);
            (et == OLD ? old : neu).incrementAndGet();
        };
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(PacketHandler.FILTER_NAME, "modified");
        props.put(PacketHandler.FILTER_ETHERTYPE, OLD);
        ServiceRegistration<PacketHandler> reg = context.registerService(PacketHandler.class, h, props);
        try {
            String before = awaitHandlers("handler\\s+.*\\smodified\\s+ethertype 0x88b6\\s+active\\s.*", 10_000);
            send(OLD, 5);
            await("5 frames of the first filter", 5_000, () -> old.get() == 5);

            props.put(PacketHandler.FILTER_ETHERTYPE, NEW);
            props.put("expkt.rx.mode", "latency");
            reg.setProperties(props);
            String after = awaitHandlers("handler\\s+.*\\smodified\\s+ethertype 0x88b7 \\(latency\\)\\s+active\\s.*", 10_000);
            System.out.println(after);
            assertNotEquals("a new socket for the new filter and mode", socketOf(before, "modified"), socketOf(after, "modified"));
            send(NEW, 5);
            await("5 frames of the new filter", 5_000, () -> neu.get() == 5);
            send(OLD, 5);
            send(NEW, 1);
            await("the 6th frame of the new filter", 5_000, () -> neu.get() == 6);
            assertEquals("no frame of the old filter after the change", 5, old.get());
            await("the old filter left the nft ruleset and the handler table", 5_000, () -> {
                try {
                    return !command("handlers").contains("0x88b6");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
        } finally {
            reg.unregister();
        }
    }
}
