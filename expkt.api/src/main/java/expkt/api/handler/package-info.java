/**
 * The whiteboard way to write a protocol: register a {@link expkt.api.handler.PacketHandler}
 * service whose properties describe its filter; the provider opens the socket, installs the filter,
 * and calls the handler for every matching frame with a {@link expkt.api.handler.PacketSender} for
 * replies. No socket code in the bundle, and the provider can keep the socket, ring and kernel rules
 * alive while the bundle is updated in place (see {@link expkt.api.handler.StateHandover}).
 */
@Export
@Version("2.0.0")
package expkt.api.handler;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
