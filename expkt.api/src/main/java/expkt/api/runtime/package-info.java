/**
 * Runtime introspection of the host, in the spirit of Declarative Services'
 * {@code ServiceComponentRuntime}: the {@link expkt.api.runtime.ExpktRuntime} service hands out
 * snapshots of the data plane's ports, VLANs and virtual routers, the filters with their nftables
 * counters, the open sockets, the whiteboard handlers and callbacks, the dispatch lanes and the forwarding database (1.1), and the L3 and raw IP sockets of the
 * virtual routers (1.2, {@link expkt.api.runtime.VrSocketDTO}), as DTOs
 * ({@code org.osgi.dto.DTO}: public fields, no behaviour, safe to serialise to JSON).
 *
 * <p>The Gogo {@code expkt:} commands print these DTOs; the web console, the metrics endpoint and the
 * tests read them instead of parsing text.
 *
 * <p>Threading: every DTO is a copy made for the caller, owned by it, never changed by the host after
 * it was returned. The service may be called from any thread; it reads counters the receive path
 * already keeps and takes no lock the receive path takes.
 */
@Export
@Version("1.2.0")
package expkt.api.runtime;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
