package expkt.itest.broken;

/**
 * A component that fails on purpose: HostVerdictIT packs it into a bundle whose component throws
 * in activate and offers a Gogo command ({@code broken:hello}) that therefore has no service.
 * Uses nothing but java.lang, so its bundle imports nothing.
 */
public class ThrowsInActivate {
    /** What the failure says: the host's verdict must repeat it. */
    public static final String WHY = "broken on purpose: ThrowsInActivate refuses to activate";

    public void activate() {
        throw new IllegalStateException(WHY);
    }

    public String hello() {
        return "hello";
    }
}
