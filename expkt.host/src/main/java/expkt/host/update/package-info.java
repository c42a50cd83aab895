/**
 * Updating a running bundle, platform bundles included: {@link expkt.host.update.UpdateImpact} says
 * what an update would restart (from the wiring and the Declarative Services references), and
 * {@link expkt.host.update.UpdateCommand} ({@code expkt:update}) refuses an update that would restart
 * other bundles' components unless {@code --force} is given. The deploy directory's guard applies the
 * same refusal to a platform bundle's jar dropped there.
 */
package expkt.host.update;
