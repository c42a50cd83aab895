/**
 * The LLDP agent (IEEE 802.1AB), private to its bundle: the DS components ({@code LldpAgent},
 * {@code LldpCommands}) and the plain classes they drive (codec, neighbour table, tx timers, counters).
 * Every string a peer sends is kept and shown as escaped display text; what the standard discards is
 * counted per reason.
 */
package expkt.protocol.lldp;
