/**
 * {@code ping:ping}, private to its bundle: ICMP echo from a raw socket of a virtual router, printed as
 * iputils ping prints it. It takes no configuration.
 */
package expkt.protocol.ping;
