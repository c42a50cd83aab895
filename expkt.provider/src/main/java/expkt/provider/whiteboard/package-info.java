/**
 * The whiteboard of {@code PacketHandler} services: each handler gets a packet socket with the filter
 * its service properties describe, read on its bundle's lane; parking and adoption across updates
 * (zero-loss hot upgrade), release after a grace period, and stuck handlers abandoned at their stop.
 *
 * <p>Threading: registration, modification and unregistration on the framework's threads (they wait
 * for a frame in progress with a deadline and holding no lock another bundle needs); {@code handle()}
 * on a lane thread.
 */
package expkt.provider.whiteboard;
