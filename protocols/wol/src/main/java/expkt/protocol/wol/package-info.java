/**
 * The Wake-on-LAN relay, private to its bundle: the DS components ({@code WolRelay},
 * {@code WolUdpHandler}, {@code WolCommands}) and the plain classes they drive (inspection, relay,
 * settings, the throttled per-packet log).
 */
package expkt.protocol.wol;
