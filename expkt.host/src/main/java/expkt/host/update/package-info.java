/**
 * Updating a running bundle, platform bundles included: {@link expkt.host.update.UpdateImpact} says
 * what an update would restart (from the wiring and the Declarative Services references), and
 * {@link expkt.host.update.UpdateCommand} ({@code expkt:update}) refuses an update that would restart
 * other bundles' components unless {@code --force} is given. The deploy directory's guard applies the
 * same refusal to a platform bundle's jar dropped there. {@link expkt.host.update.ClosureRefresh} is the
 * platform's one stepwise refresh ({@code expkt:refresh} and the REST API's deferred refresh run it);
 * {@link expkt.host.update.FrameworkQueue} awaits the framework's work after an update, with deadlines.
 *
 * <p>Exported (the one package of {@code expkt.host} that is) so that the management REST API of
 * {@code expkt.ops} refuses an update through {@link expkt.host.update.UpdateImpact} too, with the same
 * reasons, and settles and refreshes after one as the host does; it is the host's, not an API for protocol bundles.
 */
@Export
@Version("1.2.0")
package expkt.host.update;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
