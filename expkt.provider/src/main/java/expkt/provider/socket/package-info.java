/**
 * Packet sockets and the engine that opens them: {@link expkt.provider.socket.L2Engine} (the data
 * plane's sockets, filters compiled to BPF and nftables, the dispatcher),
 * {@link expkt.provider.socket.PacketSocketImpl} (one socket: a façade holding the fd, arenas, locks,
 * options, callback registration and {@code close()}, delegating to
 * {@link expkt.provider.socket.SocketFilters}, {@code rx.RxPath} and {@code tx.TxPath}),
 * {@link expkt.provider.socket.FilterRegistry} (filter names, unique per data plane) and
 * {@link expkt.provider.socket.OwnedPacketService} (the per-bundle {@code PacketService}).
 * {@code SocketFilters} stays here (not in a {@code filter} package) because its install steps are the
 * engine's and {@code FilterRegistry} records sockets: a separate package would be a cycle.
 *
 * <p>Threading: a socket has one receiving and one sending thread at a time (a lock each); filter
 * changes, the callback and {@code close()} may come from any thread, filter changes under the
 * socket's filter lock and never on the receive path. The engine is thread-safe.
 */
package expkt.provider.socket;
