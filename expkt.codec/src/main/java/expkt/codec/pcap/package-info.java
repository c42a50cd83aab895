/**
 * pcap and pcapng capture files: writers that take a received frame and its timestamp, and a reader for both formats.
 */
@Export
@Version("2.0.0")
package expkt.codec.pcap;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
