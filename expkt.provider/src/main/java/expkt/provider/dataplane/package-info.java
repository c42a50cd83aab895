/**
 * The data plane: {@link expkt.provider.dataplane.DataPlane} (the data-plane namespace, its namespace
 * thread, and the link thread that follows the kernel's link notifications), the immutable
 * {@link expkt.provider.dataplane.DataPlaneModel} (ports with MTU and link state, VLANs, VR; opt-in:
 * no port without a namespace or a port list), its parser, and the {@link expkt.provider.dataplane.PuntLinks}
 * (per port and direction a veth pair into the anonymous punt namespace the sockets live in), and the
 * forwarding database VLAN sends forward by ({@link expkt.provider.dataplane.Fdb}: the kernel bridge's
 * FDB mirrored through rtnetlink, and the addresses learned from received frames in an allocation-free
 * {@link expkt.provider.dataplane.FdbTable}; learning and look-ups are lock-free). Depends on the API and {@code expkt.linux}, never on {@code socket}.
 *
 * <p>Threading: the model is copy-on-write (readers never lock); the namespace's kernel state is
 * changed on the namespace thread only.
 */
package expkt.provider.dataplane;
