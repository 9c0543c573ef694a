package org.postkontor.admin.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressTest {

    @Test
    void barOnATerminalShowsCountBytesRateAndTimeLeft() {
        StringWriter out = new StringWriter();
        AtomicLong now = new AtomicLong();
        Progress p = new Progress(new PrintWriter(out), Progress.Style.BAR, 4, 4 * 1024 * 1024, now::get);
        now.set(1_000_000_000L);
        p.delivered(1024 * 1024);
        String first = out.toString();
        assertTrue(first.startsWith("\r[#######.......................] 1/4 messages  1.0 MiB/4.0 MiB  1.0 MiB/s"),
                first);
        assertTrue(first.contains("elapsed 0:01  left 0:03"), first);
        now.set(1_100_000_000L);
        p.delivered(1024 * 1024);
        assertEquals(first, out.toString(), "redrawn at most every 200 ms");
        now.set(2_000_000_000L);
        p.skipped(1024 * 1024);
        p.delivered(1024 * 1024);
        p.done();
        String all = out.toString();
        assertTrue(all.contains("\r[##############################] 4/4 messages  4.0 MiB/4.0 MiB"), all);
        assertTrue(all.contains("(1 already there)"), all);
        assertTrue(all.endsWith("\n"), "the bar ends its line");
    }

    @Test
    void plainLinesOtherwise() {
        StringWriter out = new StringWriter();
        AtomicLong now = new AtomicLong();
        Progress p = new Progress(new PrintWriter(out), Progress.Style.LINES, 2, 2048, now::get);
        p.delivered(1024);
        now.set(1_000_000_000L);
        p.delivered(1024);
        p.done();
        assertEquals(2, out.toString().lines().count(), out.toString());
        assertTrue(out.toString().lines().allMatch(l -> l.startsWith("import: ")), out.toString());
        assertTrue(!out.toString().contains("\r"), out.toString());
    }
}
