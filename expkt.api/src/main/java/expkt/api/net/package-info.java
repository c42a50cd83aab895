/**
 * Value types shared by the socket API and the packet codec: MAC addresses, IPv4 and IPv6
 * addresses, slot:port pairs, VLAN ids. Each parses its textual forms and rejects bad input with an
 * {@link java.lang.IllegalArgumentException} whose message names the bad value.
 */
@Export
@Version("1.0.0")
package expkt.api.net;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
