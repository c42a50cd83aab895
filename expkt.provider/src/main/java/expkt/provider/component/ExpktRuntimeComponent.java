package expkt.provider.component;

import expkt.provider.runtime.RuntimeSnapshots;
import expkt.api.runtime.DataPlaneDTO;
import expkt.api.runtime.FdbDTO;
import expkt.api.runtime.ExpktRuntime;
import expkt.api.runtime.FilterDTO;
import expkt.api.runtime.HandlerDTO;
import expkt.api.runtime.LaneDTO;
import expkt.api.runtime.PortDTO;
import expkt.api.runtime.ProviderRevisionDTO;
import expkt.api.runtime.RuntimeDTO;
import expkt.api.runtime.SocketDTO;
import expkt.api.runtime.VlanDTO;
import expkt.api.runtime.VrDTO;
import expkt.api.runtime.VrSocketDTO;
import expkt.api.vr.VirtualRouters;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import java.util.List;

/**
 * Registers {@link ExpktRuntime} (the runtime introspection service) for the provider's data plane.
 * The handler whiteboard and the VR registry (bundle expkt.vr) are optional and dynamic: without
 * them the service still answers, with no handler rows (only callbacks) and only the data plane's VR.
 *
 * <p>Threading: see {@link RuntimeSnapshots}; the optional references are volatile fields read once
 * per call.
 */
@Component(service = ExpktRuntime.class)
public final class ExpktRuntimeComponent implements ExpktRuntime {
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile HandlerWhiteboard whiteboard;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile VirtualRouters virtualRouters;

    private final RuntimeSnapshots snapshots;

    @Activate
    public ExpktRuntimeComponent(BundleContext context, @Reference L2Provider provider) {
        Bundle b = context.getBundle();
        ProviderRevisionDTO revision = new ProviderRevisionDTO();
        revision.bundleId = b.getBundleId();
        revision.symbolicName = b.getSymbolicName();
        revision.version = b.getVersion().toString();
        revision.lastModified = b.getLastModified();
        this.snapshots = new RuntimeSnapshots(provider.engine(),
                () -> {
                    HandlerWhiteboard w = whiteboard;
                    return w == null ? null : w.runtime();
                },
                (bundleId, filterName) -> {
                    HandlerWhiteboard w = whiteboard;
                    return w == null ? -1 : w.serviceId(bundleId, filterName);
                },
                () -> virtualRouters, revision);
    }

    @Override
    public RuntimeDTO snapshot() {
        return snapshots.snapshot();
    }

    @Override
    public DataPlaneDTO dataPlane() {
        return snapshots.dataPlane();
    }

    @Override
    public List<PortDTO> ports() {
        return snapshots.ports();
    }

    @Override
    public List<VlanDTO> vlans() {
        return snapshots.vlans();
    }

    @Override
    public List<VrDTO> vrs() {
        return snapshots.vrs();
    }

    @Override
    public List<FilterDTO> filters() {
        return snapshots.filters();
    }

    @Override
    public List<SocketDTO> sockets() {
        return snapshots.sockets();
    }

    @Override
    public List<VrSocketDTO> vrSockets() {
        return snapshots.vrSockets();
    }

    @Override
    public List<HandlerDTO> handlers() {
        return snapshots.handlers();
    }

    @Override
    public List<LaneDTO> lanes() {
        return snapshots.lanes();
    }

    @Override
    public FdbDTO fdb() {
        return snapshots.fdb();
    }
}
