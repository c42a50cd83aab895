/**
 * {@code expkt:replay <pcap> <handler>}: replays a capture into a deployed handler through the
 * embedded harness and writes what it sent to a pcap. Private to the test kit bundle.
 *
 * <p>Threading: the command runs on the Gogo session's thread; the handler is called on that
 * thread, not on its lane, for the duration of the replay.
 */
package expkt.testkit.replay;
