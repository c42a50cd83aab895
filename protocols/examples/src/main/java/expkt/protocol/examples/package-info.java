/**
 * Every example program of the EXOS {@code expkt} documentation (the seed), ported line by line to
 * Java against the public API ({@code expkt.api}, and the codec {@code expkt.codec} where the seed
 * uses Impacket). Each block carries a comment quoting the seed line it ports; where a line cannot be
 * ported as written, the comment says why. The programs are static methods taking the services a
 * bundle gets ({@code PacketService}, {@code VrSockets}); {@code SeedExamplesIT} runs each against a
 * lab.
 *
 * <p>Threading: each method runs on the caller's thread, except callbacks, which run on the shared
 * dispatcher thread.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package expkt.protocol.examples;
