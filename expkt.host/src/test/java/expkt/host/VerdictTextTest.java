package expkt.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The text pieces of a bounded run's verdict and of the unavailable-command explanation. */
class VerdictTextTest {
    @Test
    void theCommandNameIsTheFirstWordOfTheLine() {
        assertEquals("expkt:acl", UnavailableCommands.firstWord("expkt:acl"));
        assertEquals("ping:ping", UnavailableCommands.firstWord("  ping:ping 192.0.2.1 3 | grep x"));
        assertEquals("lb", UnavailableCommands.firstWord("lb -s foo"));
        assertNull(UnavailableCommands.firstWord("(expkt:acl)"));
        assertNull(UnavailableCommands.firstWord("expkt:"));
        assertNull(UnavailableCommands.firstWord(""));
    }

    @Test
    void felixSaysTheMissingRequirementOnce() {
        String felix = "Unable to resolve b [19](R 19.0): missing requirement [b [19](R 19.0)] osgi.wiring.package; "
                + "(osgi.wiring.package=x.y) Unresolved requirements: [[b [19](R 19.0)] osgi.wiring.package; (osgi.wiring.package=x.y)]";
        assertEquals("Unable to resolve b [19](R 19.0): missing requirement [b [19](R 19.0)] osgi.wiring.package; (osgi.wiring.package=x.y)",
                BundleStates.shortReason(felix));
        assertEquals("other", BundleStates.shortReason("other"));
    }

    @Test
    void theOneLineVerdictClipsLongProblems() {
        String longOne = "x".repeat(1000);
        String clipped = ScriptedRun.clip(longOne);
        assertTrue(clipped.length() < 300 && clipped.endsWith("..."), clipped);
        assertEquals("short", ScriptedRun.clip("short"));
    }

    @Test
    void aFailureStackTraceShowsItsFirstLine() {
        assertEquals("java.lang.IllegalStateException: no", ComponentStates.firstLine("java.lang.IllegalStateException: no\n\tat a.b(C.java:1)\n"));
        assertEquals("(no reason recorded)", ComponentStates.firstLine(null));
    }
}
