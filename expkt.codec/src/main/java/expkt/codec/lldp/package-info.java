/**
 * LLDP (IEEE 802.1AB) LLDPDUs: the mandatory TLVs and the common optional ones.
 */
@Export
@Version("1.1.0")
package expkt.codec.lldp;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
