/**
 * Throwaway data planes for tests, the demo and benchmarks: a {@code switch} namespace whose veth
 * interfaces are the ports, each linked to a {@code host} namespace of its own; optionally a Linux
 * bridge joining the ports; extra namespaces and links on demand. Every name carries a per-run prefix
 * and everything is removed on {@link expkt.lab.Lab#close()}, by a JVM shutdown hook, and — for labs
 * of processes that died — by {@link expkt.lab.Lab#cleanStale()} at the next start.
 *
 * <p>{@link expkt.lab.Topologies} names the labs that tests share: two VRs with the same subnet, a
 * VLAN trunk, hosts on a bridge.
 *
 * <p>{@link expkt.lab.Deadlines}: a test's wait with a deadline (a call that may hang, a condition to
 * come true) in place of a sleep.
 */
@Export
@Version("1.2.0")
package expkt.lab;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
