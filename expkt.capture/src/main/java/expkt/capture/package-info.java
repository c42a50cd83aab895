/**
 * The Gogo command {@code expkt:capture}: the frames a filter brings up, written into a pcap or
 * pcapng file. A bundle of its own that uses only the public packet API ({@code expkt.api.packet})
 * and the codec's capture writers, like any protocol bundle: its sockets and filters are owned by this
 * bundle and released with it.
 *
 * <p>Threading: each capture runs on the calling (Gogo session) thread; captures from several
 * sessions run side by side, each with its own socket, filter and file.
 */
package expkt.capture;
