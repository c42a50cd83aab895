package expkt.codec.wol;

import expkt.api.net.MacAddress;
import expkt.codec.HeaderView;
import expkt.codec.LayerKind;
import expkt.codec.ethernet.EtherType;
import java.lang.foreign.MemorySegment;

/**
 * A Wake-on-LAN magic packet: six 0xFF bytes, then the target MAC sixteen times, then an optional
 * SecureOn password of 4 or 6 bytes. It travels as the payload of ethertype 0x0842 or of a UDP
 * datagram (usually to port 9); wrap this view on that payload. Wrap checks the sync stream and
 * that the sixteen copies agree.
 */
public final class WakeOnLan extends HeaderView<WakeOnLan> {
    public static final int LENGTH = 102;
    public static final int UDP_PORT = 9;

    @Override
    public String name() {
        return KIND.name();
    }

    @Override
    protected void validate() {
        require(0, LENGTH, "magic packet");
        if (u16(0, "sync") != 0xFFFF || i32(2, "sync") != -1) {
            throw malformed("sync", 0, "does not start with six 0xFF bytes");
        }
        long mac = u48(6, "target");
        for (int i = 1; i < 16; i++) {
            if (u48(6 + 6 * i, "target") != mac) {
                throw malformed("target", 6 + 6 * i, "copy " + i + " of the target MAC differs from the first");
            }
        }
    }

    /**
     * True if the {@code length} bytes at {@code offset} of {@code segment} hold a magic packet: the
     * decoder's test for a UDP payload, which throws nothing.
     */
    public static boolean isMagicPacket(java.lang.foreign.MemorySegment segment, long offset, int length) {
        if (length < LENGTH || offset < 0 || offset + length > segment.byteSize()) {
            return false;
        }
        for (int i = 0; i < 6; i++) {
            if (segment.get(java.lang.foreign.ValueLayout.JAVA_BYTE, offset + i) != (byte) 0xFF) {
                return false;
            }
        }
        for (int i = 12; i < LENGTH; i++) {
            if (segment.get(java.lang.foreign.ValueLayout.JAVA_BYTE, offset + i)
                    != segment.get(java.lang.foreign.ValueLayout.JAVA_BYTE, offset + 6 + (i - 6) % 6)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int headerLength() {
        return LENGTH + passwordLength();
    }

    public long targetBits() {
        return u48(6, "target");
    }

    public MacAddress target() {
        return MacAddress.of(targetBits());
    }

    /** 4 or 6 if the bytes after the sixteen copies are a SecureOn password, else 0. */
    public int passwordLength() {
        long rest = wireLimit - start - LENGTH;
        return rest == 4 || rest == 6 ? (int) rest : 0;
    }

    /** The SecureOn password (allocates; empty if none). */
    public byte[] password() {
        return bytes(start + LENGTH, passwordLength(), "password");
    }

    // ---------------------------------------------------------------- the layer table's row and the writer

    /** A magic packet: announced by ethertype 0x0842 (over UDP, by its port only). */
    public static final LayerKind KIND = LayerKind.builder("Wake-on-LAN").etherType(EtherType.WAKE_ON_LAN).build();

    /** Writes a magic packet for {@code targetBits} and its SecureOn password (0, 4 or 6 bytes) at {@code at}; returns its length. */
    public static int write(MemorySegment segment, long at, long targetBits, byte[] password) {
        write16(segment, at, 0xFFFF);
        write32(segment, at + 2, -1);
        for (int i = 1; i <= 16; i++) {
            write48(segment, at + 6 * i, targetBits);
        }
        writeBytes(segment, at + LENGTH, password);
        return LENGTH + password.length;
    }
}
