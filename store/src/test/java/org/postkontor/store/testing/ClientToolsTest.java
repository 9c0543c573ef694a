package org.postkontor.store.testing;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

class ClientToolsTest {

    @Test
    void aMissingClientSkipsTheTestButFailsItUnderCi() {
        assertDoesNotThrow(() -> ClientTools.require(true, "here", true));
        TestAbortedException skipped = assertThrows(TestAbortedException.class,
                () -> ClientTools.require(false, "frobnicate is not installed", false));
        assertTrue(skipped.getMessage().contains("frobnicate is not installed"), skipped.getMessage());
        AssertionFailedError failed = assertThrows(AssertionFailedError.class,
                () -> ClientTools.require(false, "frobnicate is not installed", true));
        assertTrue(failed.getMessage().contains("CI=true"), failed.getMessage());
    }

    @Test
    void findsExecutablesOnThePath() {
        assertTrue(ClientTools.onPath("sh"));
        assertFalse(ClientTools.onPath("no-such-client-" + System.nanoTime()));
    }
}
