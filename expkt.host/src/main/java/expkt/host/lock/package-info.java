/**
 * One host per run directory: {@link expkt.host.lock.RunDirLock} locks the directories a host
 * writes to (framework storage, deploy directory, log) before the framework touches any of them.
 * It runs as the exported host jar's {@code Launcher-Agent-Class}, on the JVM's main thread before
 * the launcher's {@code main}.
 */
package expkt.host.lock;
