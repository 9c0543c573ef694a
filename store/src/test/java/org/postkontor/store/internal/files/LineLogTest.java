package org.postkontor.store.internal.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.store.StoreMetrics;

class LineLogTest {

    @TempDir
    Path dir;
    DurableFiles files;
    Path file;

    @BeforeEach
    void setUp() throws Exception {
        files = new DurableFiles(dir, StoreMetrics.NOOP);
        file = dir.resolve("test.log");
    }

    @Test
    void appendedBatchesAreReadBackInOrder() throws Exception {
        try (LineLog log = LineLog.open(file, files)) {
            log.append(List.of("one", "two"));
            log.append(List.of("three \u00fc"));
        }
        try (LineLog log = LineLog.open(file, files)) {
            assertEquals(new LineLog.Contents(List.of("one", "two", "three \u00fc"), 0, Files.size(file)),
                    log.contents());
        }
    }

    @Test
    void aTornTailIsCutBackToTheLastWholeLine() throws Exception {
        try (LineLog log = LineLog.open(file, files)) {
            log.append(List.of("kept"));
            log.append(List.of("torn one", "torn two"));
        }
        long kept = LineLog.encode(List.of("kept")).length;
        byte[] all = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(all, all.length - 5)); // the second line lost its end
        try (LineLog log = LineLog.open(file, files)) {
            assertEquals(List.of("kept", "torn one"), log.contents().lines(),
                    "a whole line of a torn batch stands: a line, not a batch, is all or nothing");
        }
        Files.write(file, Arrays.copyOf(all, (int) kept + 3)); // cut inside the batch's first line
        try (LineLog log = LineLog.open(file, files)) {
            assertEquals(List.of("kept"), log.contents().lines());
            assertEquals(kept, Files.size(file), "the torn tail is cut off");
            log.append(List.of("after"));
            assertEquals(List.of("kept", "after"), log.contents().lines());
        }
    }

    @Test
    void zerosAndGarbageAfterTheLastGoodLineAreATornTailNotDamage() throws Exception {
        try (LineLog log = LineLog.open(file, files)) {
            log.append(List.of("good"));
        }
        Files.write(file, new byte[] {0, 0, 0, '\n', 'x', 'y', '\n', 0, 0}, StandardOpenOption.APPEND);
        try (LineLog log = LineLog.open(file, files)) {
            LineLog.Contents c = log.contents();
            assertEquals(List.of("good"), c.lines());
            assertEquals(0, c.damaged());
        }
    }

    @Test
    void aBadLineBeforeAGoodOneIsDamage() throws Exception {
        try (LineLog log = LineLog.open(file, files)) {
            log.append(List.of("first", "second"));
        }
        Files.writeString(file, Files.readString(file).replace("first", "firsT"));
        try (LineLog log = LineLog.open(file, files)) {
            assertEquals(new LineLog.Contents(List.of("second"), 1, Files.size(file)), log.contents());
        }
    }

    @Test
    void rewriteReplacesTheWholeFileAndAppendsGoOnAfterIt() throws Exception {
        try (LineLog log = LineLog.open(file, files)) {
            log.append(List.of("a", "b", "c"));
            log.rewrite(lines -> lines.stream().filter(l -> !l.equals("b")).toList());
            log.append(List.of("d"));
            assertEquals(List.of("a", "c", "d"), log.contents().lines());
        }
        assertEquals(List.of("a", "c", "d"), LineLog.read(file).lines());
        assertFalse(Files.exists(dir.resolve("test.log.new")));
    }

    @Test
    void aLineEndInsideALineIsRefused() throws Exception {
        try (LineLog log = LineLog.open(file, files)) {
            assertThrows(IllegalArgumentException.class, () -> log.append(List.of("a\nb")));
            assertEquals(List.of(), log.contents().lines());
        }
    }
}
