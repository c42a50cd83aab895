/**
 * Virtual routers (the seed's "Layer 3"): a registry of VRs by name and id, each backed by a Linux
 * network namespace or a VRF device, and the VR affinity of the calling bundle; L3 and raw IP sockets
 * in a VR, with the seed's {@code set_callback} on the shared dispatcher thread
 * ({@link expkt.api.vr.SocketCallback}, since 1.1).
 */
@Export
@Version("2.0.0")
package expkt.api.vr;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
