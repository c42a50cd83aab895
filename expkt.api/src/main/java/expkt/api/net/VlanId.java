package expkt.api.net;

/** Checks for 802.1Q VLAN ids (1..4094; 0 means priority-tagged, 4095 is reserved). */
public final class VlanId {
    public static final int MIN = 1;
    public static final int MAX = 4094;

    private VlanId() {
    }

    /** Returns {@code vid} if it is a usable VLAN id, else throws naming it. */
    public static int check(int vid) {
        if (vid < MIN || vid > MAX) {
            throw new IllegalArgumentException("VLAN id " + vid + " is outside " + MIN + ".." + MAX);
        }
        return vid;
    }
}
