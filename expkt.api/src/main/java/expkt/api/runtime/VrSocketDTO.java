package expkt.api.runtime;

import org.osgi.dto.DTO;

/**
 * An open L3 or raw IP socket in a virtual router (the VR registry's, bundle {@code expkt.vr}: the
 * API's {@code L3Socket}, {@code RawIpSocket} and the plain channels of {@code VrSockets}); a row of
 * {@code expkt:sockets}' second table.
 *
 * <p>Threading: a copy owned by its caller.
 *
 * @since 1.2
 */
public class VrSocketDTO extends DTO {
    /** An L3 socket: a JDK UDP or TCP channel made in the VR ({@code L3Socket}, or a plain channel). */
    public static final String L3 = "L3";
    /** A raw IP socket ({@code RawIpSocket}). */
    public static final String RAW = "RAW";

    /** Its kind: {@link #L3} or {@link #RAW}. */
    public String kind;
    /**
     * What it carries: {@code udp}, {@code tcp} or {@code tcp-listen} for an L3 socket, {@code raw} for a
     * raw IP socket (see {@link #ipProtocol}).
     */
    public String transport;
    /** The IP protocol number: 17 (UDP), 6 (TCP), or a raw socket's protocol (1 for ICMP, 255 for any...). */
    public int ipProtocol;
    /** {@code INET} or {@code INET6}. */
    public String family;
    /** Id of the VR it is in now (a socket not yet bound may have moved). */
    public int vrId;
    /** Name of that VR. */
    public String vr;
    /** Bundle id of its owner; -1 outside OSGi. */
    public long ownerBundleId;
    /** The owner as commands show it ({@code bsn [id]}). */
    public String owner;
    /**
     * Its local address ({@code /10.0.0.1:5000}; a raw socket's has no port), or null while it is not
     * bound.
     */
    public String localAddress;
    /** The peer it is connected to, or null. */
    public String remoteAddress;
    /** True if a {@code SocketCallback} is set on it (it then runs on {@link #lane}). */
    public boolean callback;
    /** The dispatch lane running its callback, or null without one. */
    public String lane;
    /** The callback's registration state on that lane (as {@code expkt:handlers} shows it), or null. */
    public String callbackState;
    /**
     * Packets it received (raw sockets count every receive that handed one to the application), or -1
     * where it is not counted (an L3 socket's reads go through its JDK channel).
     */
    public long received;
}
