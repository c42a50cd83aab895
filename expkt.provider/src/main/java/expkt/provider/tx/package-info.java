/**
 * The send path of a packet socket: {@link expkt.provider.tx.TxPath} (checks a send completely, with
 * the kernel's exact length rule) over {@link expkt.provider.tx.TxBatch} (native sendmmsg(2) buffers,
 * 802.1Q tag insertion without a second copy, and {@code sendAll}, the one send loop for
 * {@code sendto}, {@code sendBurst} and VLAN sends, which forward by the data plane's
 * {@code dataplane.Fdb}: a known unicast destination out of its one member port, anything else
 * flooded to the members; a port the kernel refuses is skipped and named
 * afterwards by a {@code PartialSendException}). Depends on {@code dataplane} and the API, never on {@code socket}.
 *
 * <p>Threading: the caller's thread; batches only under the socket's send lock.
 */
package expkt.provider.tx;
