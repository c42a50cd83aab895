package expkt.api.runtime;

import org.osgi.dto.DTO;

import java.util.List;

/**
 * One snapshot of everything {@link ExpktRuntime} shows, taken together.
 *
 * <p>Threading: a copy owned by its caller; not thread-safe itself (plain fields).
 */
public class RuntimeDTO extends DTO {
    /** When the snapshot was taken, milliseconds since the epoch. */
    public long timeMillis;
    /** The data plane and the provider revision serving it. */
    public DataPlaneDTO dataPlane;
    public List<PortDTO> ports;
    public List<VlanDTO> vlans;
    public List<VrDTO> vrs;
    public List<FilterDTO> filters;
    public List<SocketDTO> sockets;
    /** The L3 and raw IP sockets of the virtual routers ({@link ExpktRuntime#vrSockets()}). @since 1.2 */
    public List<VrSocketDTO> vrSockets;
    public List<HandlerDTO> handlers;
    public List<LaneDTO> lanes;
}
