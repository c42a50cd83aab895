/**
 * Packet sockets and the engine that opens them: {@link expkt.provider.socket.L2Engine} (the data
 * plane's sockets, filters compiled to BPF and nftables, the dispatcher),
 * {@link expkt.provider.socket.PacketSocketImpl} (one socket: a façade holding the fd, arenas, locks,
 * options and {@code close()}, delegating to {@link expkt.provider.socket.SocketFilters},
 * {@code rx.RxPath}, {@code tx.TxPath}, {@link expkt.provider.socket.SocketLane} (which dispatch lane
 * reads the socket: its callback's or a whiteboard handler's registration) and
 * {@link expkt.provider.socket.ParkedPart} (a callback socket's kernel part parked across an update of
 * its bundle, adopted by the next revision or closed)),
 * {@link expkt.provider.socket.FilterRegistry} (filter names, unique per data plane) and
 * {@link expkt.provider.socket.OwnedPacketService} (the per-bundle {@code PacketService}).
 * {@code SocketFilters} stays here (not in a {@code filter} package) because its install steps are the
 * engine's and {@code FilterRegistry} records sockets: a separate package would be a cycle.
 * {@code SocketLane} and {@code ParkedPart} are package-private: they work on the façade's locks and
 * fields, which nothing outside this package may touch.
 *
 * <p>Threading: a socket has one receiving and one sending thread at a time (a lock each); filter
 * changes, the callback and {@code close()} may come from any thread, filter changes under the
 * socket's filter lock and never on the receive path. Lane registration changes under the filter
 * lock and waits for a running call holding none; an adoption takes the adopter's receive lock, the
 * parked socket's receive lock and then its filter lock, each only tried or bounded (see
 * {@code ParkedPart}). The engine is thread-safe.
 */
package expkt.provider.socket;
