/**
 * IPv4 (with options), IPv6 (with its extension headers), ICMP, ICMPv6 (echo, neighbour discovery), UDP and TCP (with options).
 */
@Export
@Version("1.1.0")
package expkt.codec.ip;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
