/**
 * Ethernet II with stacked 802.1Q / 802.1ad tags, and ARP.
 */
@Export
@Version("1.1.0")
package expkt.codec.ethernet;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
