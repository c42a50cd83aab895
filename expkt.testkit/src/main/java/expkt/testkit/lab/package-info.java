/**
 * The lab-backed half of the test kit: the real provider and the real virtual-router sockets on
 * the namespaces of an {@code expkt.lab} lab, handed to a protocol's test through the public API
 * only. {@link expkt.testkit.lab.SwitchUnderTest} is the provider's core on a lab's switch
 * namespace, with one {@link expkt.api.packet.PacketService} per bundle name;
 * {@link expkt.testkit.lab.RoutersUnderTest} gives {@link expkt.api.vr.VrSockets} per bundle in the
 * VRs of a {@link expkt.lab.TwoVrs}; {@link expkt.testkit.lab.Wire} is the far end of a lab link, a
 * plain AF_PACKET socket in a host namespace that shares no code with the provider.
 *
 * <p>These classes use the provider's and {@code expkt.vr}'s internals so that protocol tests need
 * not: a protocol module's tests import {@code expkt.api.*}, the codec, {@code expkt.testkit.*} and
 * {@code expkt.lab.*} only, and {@code ImportRuleTest} fails the build when one does otherwise.
 * In OSGi the package is private and its imports optional: the deployed test kit bundle
 * ({@code expkt:replay}) resolves without the provider's internals, and never loads these classes.
 *
 * <p>Threading: each type says its own; all are built and closed by the test's thread.
 */
package expkt.testkit.lab;
