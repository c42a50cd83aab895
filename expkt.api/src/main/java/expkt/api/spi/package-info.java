/**
 * Provider-only types of the API: what the provider (and expkt's own codec and test kit) needs to
 * make the API's contract objects, which protocol bundles must not reach — {@link
 * expkt.api.spi.FrameWindow}, the {@link expkt.api.packet.FrameView} a socket hands out (re-pointed per
 * frame, released when its ring slot goes back to the kernel).
 *
 * <p>Exported with the mandatory attribute {@code expkt.internal=spi} ({@code expkt.api/bnd.bnd}): a
 * bundle wires to this package only if its Import-Package names the attribute, as the provider's, the
 * codec's and the test kit's do. A protocol bundle that imports it plainly does not resolve.
 */
@Version("1.0.0")
package expkt.api.spi;

import org.osgi.annotation.versioning.Version;
