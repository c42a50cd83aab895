package expkt.api.spi;

import expkt.api.packet.Direction;
import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.PacketType;

/**
 * Fills an {@link ExosSockAddr} on a receive path: what the provider (and the test kit's embedded
 * harness, which plays the provider) does for every frame. {@code ExosSockAddr} has no public
 * setter, so a protocol bundle cannot forge where a frame came from; its class initializer hands its
 * private setters to {@link #install} and {@link #installVlanTagSetter}, once each.
 *
 * <p>Threading: {@link #set} and {@link #setVlanTag} are as thread-safe as the address they write (one
 * thread per address). They allocate nothing.
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

    /**
     * ExosSockAddr's outer-tag setter, as its class initializer installs it.
     *
     * @since 1.2
     */
    @FunctionalInterface
    public interface VlanTagSetter {
        void setVlanTag(ExosSockAddr a, int tpid, int tci);
    }

    private static Setter installed;
    private static VlanTagSetter installedVlanTag;

    /** The setters as constants, so that a call site compiles to a direct call. */
    private static final class Holder {
        static final Setter SETTER;
        static final VlanTagSetter VLAN_TAG_SETTER;

        static {
            try {
                Class.forName(ExosSockAddr.class.getName(), true, ExosSockAddr.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
            synchronized (ExosSockAddrs.class) {
                if (installed == null || installedVlanTag == null) {
                    throw new IllegalStateException("ExosSockAddr did not install its setters");
                }
                SETTER = installed;
                VLAN_TAG_SETTER = installedVlanTag;
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
     * Called once, by {@code ExosSockAddr}'s class initializer; any other call throws an
     * {@link IllegalStateException}.
     *
     * @since 1.2
     */
    public static void installVlanTagSetter(VlanTagSetter setter) {
        synchronized (ExosSockAddrs.class) {
            if (installedVlanTag != null) {
                throw new IllegalStateException("the ExosSockAddr VLAN tag setter is installed already");
            }
            installedVlanTag = setter;
        }
    }

    /**
     * Sets every field of {@code a}: the outer tag becomes {@code vlanId} with priority 0 and TPID 0x8100
     * (or none); {@link #setVlanTag} then gives the tag as it was.
     */
    public static void set(ExosSockAddr a, int slot, int port, String ifName, int ifIndex, int vlanId, String vlanName,
                           int vrId, String vrName, Direction direction, PacketType packetType, long timestampNanos,
                           int originalLength, int capturedLength, int protocol) {
        Holder.SETTER.set(a, slot, port, ifName, ifIndex, vlanId, vlanName, vrId, vrName, direction, packetType,
                timestampNanos, originalLength, capturedLength, protocol);
    }

    /**
     * After {@link #set}, for a frame whose outer tag the kernel took off: that tag's TPID and whole TCI
     * (priority, DEI, VLAN id). Ignored when {@link #set} was given no VLAN. Was the public
     * {@code ExosSockAddr.setVlanTag} before {@code expkt.api.packet} 2.0 (which no protocol bundle
     * should call: it would let one forge the tag a frame came with).
     *
     * @since 1.2
     */
    public static void setVlanTag(ExosSockAddr a, int tpid, int tci) {
        Holder.VLAN_TAG_SETTER.setVlanTag(a, tpid, tci);
    }
}
