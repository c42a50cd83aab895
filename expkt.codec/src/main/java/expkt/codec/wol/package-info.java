/**
 * Wake-on-LAN magic packets, over ethertype 0x0842 or in a UDP datagram.
 */
@Export
@Version("1.1.0")
package expkt.codec.wol;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
