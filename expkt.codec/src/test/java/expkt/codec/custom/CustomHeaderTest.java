package expkt.codec.custom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import expkt.api.net.MacAddress;
import expkt.codec.FrameBuilder;
import expkt.codec.HeaderView;
import expkt.codec.MalformedPacketException;
import expkt.codec.PacketDecoder;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** A view for a protocol the codec does not know, written outside the codec's packages as the README says. */
class CustomHeaderTest {
    /** A made-up header: version (1 byte), count (1 byte), then count 2-byte items. */
    static final class Items extends HeaderView<Items> {
        @Override
        public String name() {
            return "Items";
        }

        @Override
        protected void validate() {
            require(0, 2, "header");
            require(2, 2 * count(), "items");
        }

        @Override
        public int headerLength() {
            return 2 + 2 * count();
        }

        int count() {
            return u8(1, "count");
        }

        int item(int i) {
            return u16(2 + 2 * i, "item");
        }
    }

    @Test
    void aCustomViewWalksFromEthernetAndChecksItsLengths() {
        byte[] buf = new byte[64];
        int len = new FrameBuilder(buf).ethernet(MacAddress.BROADCAST, MacAddress.parse("02:00:00:00:00:01"), 0x88B5)
                .payload(new byte[] {1, 3, 0, 10, 0, 20, 0, 30}).finish();
        PacketDecoder d = new PacketDecoder().decode(Arrays.copyOf(buf, len));
        Items items = new Items().wrapPayloadOf(d.ethernet());
        assertEquals(3, items.count());
        assertEquals(30, items.item(2));
        MalformedPacketException e = assertThrows(MalformedPacketException.class,
                () -> new Items().wrapPayloadOf(new PacketDecoder().decode(Arrays.copyOf(buf, len - 1)).ethernet()));
        assertEquals("Items", e.header());
        assertEquals("items", e.field());
    }
}
