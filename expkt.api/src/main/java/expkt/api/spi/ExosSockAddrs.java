package expkt.api.spi;

import expkt.api.packet.Direction;
import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.PacketType;

/**
 * Fills an {@link ExosSockAddr} on a receive path: what the provider (and the test kit's embedded
 * harness, which plays the provider) does for every frame. {@code ExosSockAddr} has no public
 * setter, so a protocol bundle cannot forge where a frame came from; its class initializer hands its
 * package-private setter to {@link #install}, once.
 *
 * <p>Threading: {@link #set} is as thread-safe as the address it writes (one thread per address). It
 * allocates nothing.
 */
public final class ExosSockAddrs {
    private ExosSockAddrs() {
    }

    /** ExosSockAddr's setter, as its class initializer installs it. */
    @FunctionalInterface
    public interface Setter {
        void set(ExosSockAddr a, int slot, int port, String ifName, int ifIndex, int vlanId, String vlanName, int vrId,
                 String vrName, Direction direction, PacketType packetType, long timestampNanos,
                 int originalLength, int capturedLength, int protocol);
    }

    private static Setter installed;

    /** The setter as a constant, so that a call site compiles to a direct call. */
    private static final class Holder {
        static final Setter SETTER = load();

        private static Setter load() {
            try {
                Class.forName(ExosSockAddr.class.getName(), true, ExosSockAddr.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
            synchronized (ExosSockAddrs.class) {
                if (installed == null) {
                    throw new IllegalStateException("ExosSockAddr did not install its setter");
                }
                return installed;
            }
        }
    }

    /**
     * Called once, by {@code ExosSockAddr}'s class initializer; any other call throws an
     * {@link IllegalStateException}.
     */
    public static void install(Setter setter) {
        synchronized (ExosSockAddrs.class) {
            if (installed != null) {
                throw new IllegalStateException("the ExosSockAddr setter is installed already");
            }
            installed = setter;
        }
    }

    /**
     * Sets every field of {@code a}: the outer tag becomes {@code vlanId} with priority 0 and TPID 0x8100
     * (or none); {@link ExosSockAddr#setVlanTag} then gives the tag as it was.
     */
    public static void set(ExosSockAddr a, int slot, int port, String ifName, int ifIndex, int vlanId, String vlanName,
                           int vrId, String vrName, Direction direction, PacketType packetType, long timestampNanos,
                           int originalLength, int capturedLength, int protocol) {
        Holder.SETTER.set(a, slot, port, ifName, ifIndex, vlanId, vlanName, vrId, vrName, direction, packetType,
                timestampNanos, originalLength, capturedLength, protocol);
    }
}
