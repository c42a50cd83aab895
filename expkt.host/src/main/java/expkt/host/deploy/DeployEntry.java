package expkt.host.deploy;

import java.time.LocalTime;

/**
 * What became of one file of the deploy directory, as {@code expkt:deploy} shows it. Immutable.
 *
 * @param file      the file name
 * @param state     what the host did with it
 * @param bundleId  the bundle it is (or was last) installed as, -1 if none
 * @param running   the bundle and version running from this file (after a refusal: from the previous jar)
 * @param reason    why the last jar was refused or failed, {@code null} if it was taken
 * @param updates   in-place updates so far
 * @param at        when the state was reached
 */
record DeployEntry(String file, State state, long bundleId, String running, String reason, int updates, LocalTime at) {

    /** The states of a deploy-directory file. */
    enum State {
        /** installed and started (or installed only when new bundles are not to be started). */
        INSTALLED,
        /** the jar was refused; whatever ran before from this file still runs. */
        REFUSED,
        /** installed but it does not start: the reason says why. */
        NOT_STARTED,
        /** the file was removed and its bundle uninstalled. */
        UNINSTALLED
    }

    String describe() {
        return switch (state) {
            case INSTALLED -> "installed as bundle " + bundleId + " " + running + (updates > 0 ? ", updated " + updates + "x" : "");
            case NOT_STARTED -> "installed as bundle " + bundleId + " " + running + ", NOT started: " + reason;
            case REFUSED -> "refused: " + reason + (bundleId >= 0 ? "; still running: bundle " + bundleId + " " + running : "");
            case UNINSTALLED -> "removed: bundle " + bundleId + " uninstalled";
        };
    }
}
