package org.postkontor.smtp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.FileSystemException;
import org.junit.jupiter.api.Test;

/**
 * Data that cannot be buffered in smtp.temp-dir because the volume is full is 452 4.3.1 (and the
 * session goes on); before, the IOException escaped {@code data()} and SubEthaSMTP dropped the
 * connection without a reply. Found by the appliance's disk-full test (whole data.dir on one
 * full tmpfs), which also covers the drain and the reply end to end.
 */
class ReplyForTempFileTest {

    @Test
    void aFullVolumeIsInsufficientStorageAnythingElseALocalError() {
        assertEquals(Reply.INSUFFICIENT_STORAGE, Reply.forTempFile(new IOException("No space left on device")));
        assertEquals(Reply.INSUFFICIENT_STORAGE,
                Reply.forTempFile(new FileSystemException("/data/tmp/x", null, "No space left on device")));
        assertEquals(Reply.INSUFFICIENT_STORAGE,
                Reply.forTempFile(new IOException("flush", new IOException("Disk quota exceeded"))));
        assertEquals(Reply.STORE_FAILURE, Reply.forTempFile(new IOException("Input/output error")));
        assertEquals(Reply.STORE_FAILURE, Reply.forTempFile(new java.nio.file.AccessDeniedException("/data/tmp")));
        assertEquals("452 4.3.1 Insufficient system storage, try again later", Reply.INSUFFICIENT_STORAGE.line());
    }
}
