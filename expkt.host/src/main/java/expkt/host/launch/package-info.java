/**
 * Code that runs in the exported host jar before the framework exists, on the JVM's main thread (the
 * jar's {@code Launcher-Agent-Class}, called by {@link expkt.host.lock.RunDirLock}): it is copied to
 * the root of {@code expkt-host.jar} by {@code cnf/expkt-host.bndrun}, so it may use the JDK only.
 * {@link expkt.host.launch.PlatformBundles} puts the platform bundles where the framework can read
 * them again.
 */
package expkt.host.launch;
