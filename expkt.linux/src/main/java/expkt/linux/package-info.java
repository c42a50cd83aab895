/**
 * The Linux system calls expkt needs, reached through the Foreign Function &amp; Memory API
 * (no JNI, no native library to load, so a bundle update never hits "native library already loaded").
 *
 * <p>Every FFM binding of the project lives in this package: other bundles call these Java methods.
 * Failures raise {@link expkt.linux.LinuxException} naming the call and errno.
 *
 * <p>Struct sizes and offsets come from {@link expkt.linux.StructLayouts}, per architecture (x86-64,
 * aarch64; checked against gcc by its test); on another architecture the bindings refuse to start.
 *
 * <p>This is an internal contract between expkt's own bundles (provider, vr), not an API for
 * protocol bundles: the bundle's {@code bnd.bnd} exports it with the mandatory attribute
 * {@code expkt.internal=linux}, which only the provider's and the VR bundle's imports name, so no
 * other bundle wires to it (SECURITY.md).
 */
@Version("1.5.0")
package expkt.linux;

import org.osgi.annotation.versioning.Version;
