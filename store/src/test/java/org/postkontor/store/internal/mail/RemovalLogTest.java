package org.postkontor.store.internal.mail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.store.StoreMetrics;
import org.postkontor.store.internal.files.DurableFiles;

class RemovalLogTest {

    @TempDir
    Path spool;

    private DurableFiles files;

    @BeforeEach
    void files() throws Exception {
        files = new DurableFiles(spool, StoreMetrics.NOOP);
    }

    private static RemovalLog.Removal removal(String mailbox, String... paths) {
        return new RemovalLog.Removal(mailbox, List.of(paths));
    }

    @Test
    void appendedRemovalsAreReadBackAfterReopening() throws Exception {
        try (RemovalLog log = RemovalLog.open(spool, files)) {
            log.append(List.of(removal("alice@example.test", "msg/2026112719/a", "msg/2026112719/b")));
            log.append(List.of(removal("bob@example.test", "msg/2026112719/a")));
        }
        try (RemovalLog log = RemovalLog.open(spool, files)) {
            assertEquals(Set.of("msg/2026112719/a alice@example.test", "msg/2026112719/b alice@example.test",
                    "msg/2026112719/a bob@example.test"), log.removed());
        }
    }

    @Test
    void tornLastLineIsCutWholeSoAnExpungeIsAllOrNothing() throws Exception {
        try (RemovalLog log = RemovalLog.open(spool, files)) {
            log.append(List.of(removal("alice@example.test", "msg/h/a")));
            log.append(List.of(removal("bob@example.test", "msg/h/b", "msg/h/c")));
        }
        Path file = spool.resolve(RemovalLog.FILE);
        byte[] all = Files.readAllBytes(file);
        // a crash wrote only part of the second line (which names two entries)
        int firstEnd = indexOf(all, (byte) '\n') + 1;
        Files.write(file, Arrays.copyOf(all, firstEnd + (all.length - firstEnd) / 2));
        try (RemovalLog log = RemovalLog.open(spool, files)) {
            assertEquals(Set.of("msg/h/a alice@example.test"), log.removed());
            assertEquals(firstEnd, Files.size(file), "the torn tail is cut off");
            log.append(List.of(removal("carol@example.test", "msg/h/d")));
            assertEquals(Set.of("msg/h/a alice@example.test", "msg/h/d carol@example.test"), log.removed());
        }
    }

    @Test
    void damagedWholeLineIsSkippedAndTheRestKept() throws Exception {
        try (RemovalLog log = RemovalLog.open(spool, files)) {
            log.append(List.of(removal("alice@example.test", "msg/h/a")));
            log.append(List.of(removal("bob@example.test", "msg/h/b")));
        }
        Path file = spool.resolve(RemovalLog.FILE);
        String text = Files.readString(file).replace("msg/h/a", "msg/h/x"); // checksum no longer matches
        Files.writeString(file, text);
        Files.writeString(file, "garbage without checksum\n", StandardOpenOption.APPEND);
        try (RemovalLog log = RemovalLog.open(spool, files)) {
            assertEquals(Set.of("msg/h/b bob@example.test"), log.removed());
        }
    }

    @Test
    void compactionDropsOnlyTheRecordsOfBodiesThatAreGone() throws Exception {
        Path hour = spool.resolve("msg").resolve("h");
        Files.createDirectories(hour);
        Files.writeString(hour.resolve("kept"), "x");
        try (RemovalLog log = RemovalLog.open(spool, files)) {
            log.append(List.of(removal("alice@example.test", "msg/h/kept", "msg/h/gone"),
                    removal("bob@example.test", "msg/h/gone"), removal("carol@example.test", "msg/gone-hour/y")));
            assertEquals(3, log.compact(p -> Files.exists(spool.resolve(p))));
            assertEquals(Set.of("msg/h/kept alice@example.test"), log.removed());
            log.append(List.of(removal("dave@example.test", "msg/h/kept")));
            assertEquals(0, log.compact(p -> Files.exists(spool.resolve(p))));
        }
        try (RemovalLog log = RemovalLog.open(spool, files)) {
            assertEquals(Set.of("msg/h/kept alice@example.test", "msg/h/kept dave@example.test"), log.removed());
        }
        assertFalse(Files.exists(spool.resolve(RemovalLog.FILE + ".new")));
    }

    @Test
    void valuesThatWouldBreakALineAreRefused() throws Exception {
        try (RemovalLog log = RemovalLog.open(spool, files)) {
            assertThrows(IllegalArgumentException.class,
                    () -> log.append(List.of(removal("alice@example.test", "msg/h/a,b"))));
            assertThrows(IllegalArgumentException.class,
                    () -> log.append(List.of(removal("alice example.test", "msg/h/a"))));
            assertThrows(IllegalArgumentException.class,
                    () -> log.append(List.of(removal("alice@example.test", "msg/h/a\nx"))));
            assertEquals(Set.of(), log.removed());
        }
        assertEquals("", Files.readString(spool.resolve(RemovalLog.FILE), StandardCharsets.UTF_8));
    }

    private static int indexOf(byte[] b, byte x) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == x) {
                return i;
            }
        }
        return -1;
    }
}
