/**
 * The send path of a packet socket: {@link expkt.provider.tx.TxPath} (checks a send completely, then
 * one batching loop for {@code sendto}, {@code sendBurst} and VLAN sends) over
 * {@link expkt.provider.tx.TxBatch} (native sendmmsg(2) buffers, 802.1Q tag insertion without a second
 * copy). Depends on {@code dataplane} and the API, never on {@code socket}.
 *
 * <p>Threading: the caller's thread; batches only under the socket's send lock.
 */
package expkt.provider.tx;
