package expkt.host;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;

import org.junit.jupiter.api.Test;
import org.osgi.service.log.LogLevel;

class UpstreamLogLevelTest {
    private static final String MAIN_LOOP = "In main loop, we have serious trouble";

    @Test
    void fileInstallsClosedWatcherDuringAScanIsItsOwnStop() {
        assertTrue(UpstreamLogLevel.lowered(LogLevel.ERROR, "org.apache.felix.fileinstall", MAIN_LOOP,
                new ClosedWatchServiceException()));
    }

    @Test
    void everyOtherTroubleOfFileInstallStaysAnError() {
        // the same message with another cause is a real fault of the watcher
        assertFalse(UpstreamLogLevel.lowered(LogLevel.ERROR, "org.apache.felix.fileinstall", MAIN_LOOP,
                new IOException("No space left on device")));
        assertFalse(UpstreamLogLevel.lowered(LogLevel.ERROR, "org.apache.felix.fileinstall", MAIN_LOOP, null));
        assertFalse(UpstreamLogLevel.lowered(LogLevel.ERROR, "org.apache.felix.fileinstall",
                "Failed to install artifact: /run/deploy/x.jar", new ClosedWatchServiceException()));
    }

    @Test
    void nobodyElseCanBorrowTheRule() {
        assertFalse(UpstreamLogLevel.lowered(LogLevel.ERROR, "expkt.protocol.lldp", MAIN_LOOP, new ClosedWatchServiceException()));
        assertFalse(UpstreamLogLevel.lowered(LogLevel.ERROR, null, MAIN_LOOP, new ClosedWatchServiceException()));
    }
}
