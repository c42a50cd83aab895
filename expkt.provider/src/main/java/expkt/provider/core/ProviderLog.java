package expkt.provider.core;

/**
 * Where the provider's core logs: the OSGi Log Service inside the framework, {@link System.Logger}
 * outside (tests). Never called on the per-frame path: that one counts instead.
 */
public interface ProviderLog {
    void info(String message);

    void warn(String message, Throwable cause);

    void error(String message, Throwable cause);

    /** A log on {@link System.Logger} (for use outside OSGi). */
    static ProviderLog system(String name) {
        System.Logger l = System.getLogger(name);
        return new ProviderLog() {
            @Override
            public void info(String message) {
                l.log(System.Logger.Level.INFO, message);
            }

            @Override
            public void warn(String message, Throwable cause) {
                l.log(System.Logger.Level.WARNING, message, cause);
            }

            @Override
            public void error(String message, Throwable cause) {
                l.log(System.Logger.Level.ERROR, message, cause);
            }
        };
    }
}
