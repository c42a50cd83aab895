package expkt.api.runtime;

import org.osgi.dto.DTO;

/**
 * The data plane the provider manages, the state of its configuration, its nftables table and its
 * dispatch totals (the lines under the tables of {@code expkt:ports}, {@code expkt:acl},
 * {@code expkt:sockets} and {@code expkt:handlers}).
 *
 * <p>Threading: a copy owned by its caller.
 */
public class DataPlaneDTO extends DTO {
    /** The provider bundle revision answering. */
    public ProviderRevisionDTO provider;
    /** The network namespace of the ports, as commands describe it (a name or path, or the host's own). */
    public String namespace;
    /** Name of the VR the data plane is. */
    public String vr;
    /** Id of the VR the data plane is. */
    public int vrId;
    /** Where the port list came from (configuration, the namespace's interfaces, none). */
    public String modelSource;
    /** Why the last configuration was refused (the previous one stays in force), or null. */
    public String configurationRejected;
    /** Why following the kernel's link changes failed, or null. */
    public String linkError;
    /**
     * Why no nftables rule enforces "don't forward" or counts (filters are copy-only), or null when the
     * provider's nftables table is in place.
     */
    public String dropRulesUnavailable;
    /** Receive ring of the sockets opened from now on: number of blocks. */
    public int ringBlocks;
    /** Receive ring of the sockets opened from now on: bytes per block. */
    public int ringBlockSize;
    /** Receive ring of the sockets opened from now on: block retire timeout, ms. */
    public int ringRetireMillis;
    /** Calls on every dispatch lane since the provider started. */
    public long dispatchCalls;
    /** Dispatch calls that threw, since start. */
    public long dispatchErrors;
    /** Registrations the dispatcher abandoned as stuck (a call past its deadline), since start. */
    public long dispatchStuck;
    /**
     * How long a whiteboard handler's socket stays parked for its bundle's next revision after the
     * handler went, ms; -1 when the handler whiteboard is not running.
     */
    public long parkedGraceMillis;
}
