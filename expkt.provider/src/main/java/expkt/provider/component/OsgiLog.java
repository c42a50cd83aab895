package expkt.provider.component;

import expkt.provider.core.ProviderLog;
import org.osgi.service.log.Logger;

/** {@link ProviderLog} on an OSGi Log Service {@link Logger}. */
final class OsgiLog implements ProviderLog {
    private final Logger logger;

    OsgiLog(Logger logger) {
        this.logger = logger;
    }

    @Override
    public void info(String message) {
        logger.info(message);
    }

    @Override
    public void warn(String message, Throwable cause) {
        logger.warn(message, cause);
    }

    @Override
    public void error(String message, Throwable cause) {
        logger.error(message, cause);
    }
}
