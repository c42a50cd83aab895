/**
 * The deploy directory's guard: {@link expkt.host.deploy.DeployInstaller} takes over FileInstall's
 * handling of bundle jars, checks each jar (a readable jar, a bundle manifest, requirements that
 * the installed bundles can satisfy) before it replaces anything, updates in place without racing
 * the framework's start-level thread, rolls back to the previous jar when the new one fails to
 * start, and shows every file's state in {@code expkt:deploy}.
 */
package expkt.host.deploy;
