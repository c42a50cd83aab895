package expkt.host.deploy;

import java.util.List;

/**
 * What the deploy guard could not take, for whoever judges a run (the scripted run's verdict). A
 * type of its own, free of FileInstall's API, so that reading it never needs FileInstall's classes.
 *
 * <p>Threading: any thread.
 */
public interface DeployStatus {
    /** One line per deploy-directory file whose last jar was refused or does not start, naming it and why. */
    List<String> problems();
}
