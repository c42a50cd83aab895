package expkt.api.packet;

import expkt.api.net.MacAddress;
import expkt.api.net.SlotPort;

import java.util.Objects;

/**
 * A data plane port: a slot:port name for a kernel interface. Made by the provider from its
 * configuration (and by tests with {@link #builder()}); immutable and thread-safe.
 *
 * <p>A final class, not a record (since 2.0): a record's canonical constructor would make every new
 * field a breaking change. equals, hashCode and toString are over all fields.
 */
public final class Port {
    private final SlotPort slotPort;
    private final String ifName;
    private final int ifIndex;
    private final MacAddress mac;
    private final int mtu;
    private final String vr;

    private Port(Builder b) {
        this.slotPort = b.slotPort;
        this.ifName = b.ifName;
        this.ifIndex = b.ifIndex;
        this.mac = b.mac;
        this.mtu = b.mtu;
        this.vr = b.vr;
    }

    /** @since 2.0 */
    public static Builder builder() {
        return new Builder();
    }

    /** The EXOS name. */
    public SlotPort slotPort() {
        return slotPort;
    }

    /** The kernel interface. */
    public String ifName() {
        return ifName;
    }

    /** Its index in its namespace. */
    public int ifIndex() {
        return ifIndex;
    }

    /** Its MAC address. */
    public MacAddress mac() {
        return mac;
    }

    /** Its MTU (the largest payload after the Ethernet header). */
    public int mtu() {
        return mtu;
    }

    /** Name of the virtual router the interface belongs to. */
    public String vr() {
        return vr;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Port p && slotPort.equals(p.slotPort) && ifName.equals(p.ifName) && ifIndex == p.ifIndex
                && mac.equals(p.mac) && mtu == p.mtu && Objects.equals(vr, p.vr);
    }

    @Override
    public int hashCode() {
        return Objects.hash(slotPort, ifName, ifIndex, mac, mtu, vr);
    }

    /** As the record this was printed: {@code Port[slotPort=1:2, ifName=.., ...]}. */
    @Override
    public String toString() {
        return "Port[slotPort=" + slotPort + ", ifName=" + ifName + ", ifIndex=" + ifIndex + ", mac=" + mac
                + ", mtu=" + mtu + ", vr=" + vr + "]";
    }

    /**
     * Builds a {@link Port}; {@link #build()} checks every field and names the bad value.
     *
     * @since 2.0
     */
    public static final class Builder {
        private SlotPort slotPort;
        private String ifName;
        private int ifIndex;
        private MacAddress mac;
        private int mtu;
        private String vr;

        private Builder() {
        }

        public Builder slotPort(SlotPort slotPort) {
            this.slotPort = slotPort;
            return this;
        }

        public Builder ifName(String ifName) {
            this.ifName = ifName;
            return this;
        }

        public Builder ifIndex(int ifIndex) {
            this.ifIndex = ifIndex;
            return this;
        }

        public Builder mac(MacAddress mac) {
            this.mac = mac;
            return this;
        }

        public Builder mtu(int mtu) {
            this.mtu = mtu;
            return this;
        }

        public Builder vr(String vr) {
            this.vr = vr;
            return this;
        }

        public Port build() {
            if (slotPort == null) {
                throw new IllegalArgumentException("port of interface \"" + ifName + "\": slot:port is required");
            }
            if (ifName == null || ifName.isBlank()) {
                throw new IllegalArgumentException("port " + slotPort + ": interface name is "
                        + (ifName == null ? "null" : "blank (\"" + ifName + "\")"));
            }
            if (ifIndex < 1) {
                throw new IllegalArgumentException("port " + slotPort + " (" + ifName + "): interface index " + ifIndex
                        + " is not an index (1 or more)");
            }
            if (mac == null) {
                throw new IllegalArgumentException("port " + slotPort + " (" + ifName + "): MAC address is required");
            }
            if (mtu < 1) {
                throw new IllegalArgumentException("port " + slotPort + " (" + ifName + "): MTU " + mtu + " is not 1 or more");
            }
            if (vr != null && vr.isBlank()) {
                throw new IllegalArgumentException("port " + slotPort + " (" + ifName + "): VR name is blank");
            }
            return new Port(this);
        }
    }
}
