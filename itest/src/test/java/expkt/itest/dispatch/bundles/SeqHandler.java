package expkt.itest.dispatch.bundles;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ObjIntConsumer;
import java.util.function.Supplier;
import java.util.zip.CRC32;

import org.osgi.framework.BundleContext;

import expkt.api.handler.PacketHandler;
import expkt.api.handler.PacketSender;
import expkt.api.handler.StateHandover;
import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.FrameView;

/**
 * The protocol bundle of the hot-upgrade test (packed into a bundle by {@code TestBundles}, one jar
 * per version; DS component described by hand-written XML): a handler of numbered frames that keeps,
 * as its protocol state, which sequence numbers it has seen (a bitmap), how many it saw twice, the
 * versions that handled frames, and a "neighbour table". Version N saves all of it in deactivate and
 * version N+1 restores it in activate through {@link StateHandover}, with a CRC of the bitmap computed
 * by the saver so the receiver can tell the state arrived intact.
 *
 * <p>Independently of that state, every frame is also reported to the test's recorder service.
 */
public final class SeqHandler implements PacketHandler, Supplier<Map<String, Object>> {
    public static final int MAX_SEQ = 1 << 20;

    private StateHandover handover;
    private ObjIntConsumer<String> recorder;
    private String version;
    private byte[] seen;
    private int duplicates;
    private long handled;
    private List<String> versions;
    private Map<String, Object> neighbours;
    private volatile boolean intact = true;
    private volatile String restoreProblem = "";

    public void setHandover(StateHandover handover) {
        this.handover = handover;
    }

    public void setRecorder(ObjIntConsumer<String> recorder) {
        this.recorder = recorder;
    }

    @SuppressWarnings("unchecked")
    public void activate(BundleContext context) {
        version = context.getBundle().getVersion().toString();
        Map<String, Object> state = handover.restore();
        if (state.isEmpty()) {
            seen = new byte[MAX_SEQ / 8];
            versions = new ArrayList<>();
            neighbours = new LinkedHashMap<>();
            for (int i = 0; i < 32; i++) {
                neighbours.put("00:e0:2b:00:01:" + String.format("%02x", i), Map.of("port", "1:" + (i % 3 + 1), "ttl", 120 + i));
            }
        } else {
            seen = ((byte[]) state.get("seen")).clone();
            duplicates = (Integer) state.get("duplicates");
            handled = (Long) state.get("handled");
            versions = new ArrayList<>((List<String>) state.get("versions"));
            neighbours = new LinkedHashMap<>((Map<String, Object>) state.get("neighbours"));
            long crc = (Long) state.get("crc");
            if (crc != crc(seen) || neighbours.size() != 32 || !Boolean.TRUE.equals(state.get("intact"))) {
                intact = false;
                restoreProblem = "restored by " + version + ": crc " + crc + " vs " + crc(seen) + ", " + neighbours.size()
                        + " neighbours, previous intact " + state.get("intact") + " " + state.get("problem");
            }
        }
        versions.add(version);
    }

    public void deactivate() {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("seen", seen);
        state.put("crc", crc(seen));
        state.put("duplicates", duplicates);
        state.put("handled", handled);
        state.put("versions", versions);
        state.put("neighbours", neighbours);
        state.put("intact", intact);
        state.put("problem", restoreProblem);
        handover.save(state);
    }

    private static long crc(byte[] b) {
        CRC32 c = new CRC32();
        c.update(b);
        return c.getValue();
    }

    @Override
    public void handle(FrameView frame, ExosSockAddr from, PacketSender sender) {
        int seq = frame.getInt(14);
        if (seq < 0 || seq >= MAX_SEQ) {
            return;
        }
        int bit = 1 << (seq & 7);
        if ((seen[seq >>> 3] & bit) != 0) {
            duplicates++;
        } else {
            seen[seq >>> 3] |= (byte) bit;
        }
        handled++;
        recorder.accept(version, seq);
    }

    /** The state as the test reads it (JDK types only: the test's class loader is not ours). */
    @Override
    public synchronized Map<String, Object> get() {
        int count = 0;
        for (byte b : seen) {
            count += Integer.bitCount(b & 0xFF);
        }
        return Map.of("version", version, "distinct", count, "duplicates", duplicates, "handled", handled,
                "versions", List.copyOf(versions), "neighbours", neighbours.size(), "intact", intact,
                "problem", restoreProblem, "seen", seen.clone());
    }
}
