package org.postkontor.admin.cli;

import java.io.Console;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Progress of an import or a store migration on standard error: a bar redrawn in place on a terminal (count, bytes, rate,
 * time left), plain lines otherwise (one every {@value #LINE_EVERY_SECONDS} s and at the end), or
 * nothing.
 */
final class Progress {

    enum Style { BAR, LINES, NONE }

    static final int LINE_EVERY_SECONDS = 5;

    private final String label;
    private final PrintWriter err;
    private final Style style;
    private final LongSupplier nanos;
    private final long totalCount;
    private final long totalBytes;
    private final long start;
    private long count;
    private long bytes;
    private long skipped;
    private long lastDraw = Long.MIN_VALUE;

    Progress(PrintWriter err, Style style, long totalCount, long totalBytes, LongSupplier nanos) {
        this("import", err, style, totalCount, totalBytes, nanos);
    }

    /** @param label what a plain line starts with ({@code import}, {@code migrate-store}) */
    Progress(String label, PrintWriter err, Style style, long totalCount, long totalBytes, LongSupplier nanos) {
        this.label = label;
        this.err = err;
        this.style = style;
        this.totalCount = totalCount;
        this.totalBytes = totalBytes;
        this.nanos = nanos;
        this.start = nanos.getAsLong();
    }

    /** {@code auto}: a bar when standard error is a terminal, else lines. */
    static Style style(String option) {
        return switch (option) {
            case "bar" -> Style.BAR;
            case "lines" -> Style.LINES;
            case "none" -> Style.NONE;
            case "auto" -> terminal() ? Style.BAR : Style.LINES;
            default -> throw new IllegalArgumentException("--progress must be auto, bar, lines or none");
        };
    }

    /** Console.isTerminal() where the runtime has it (JDK 22+), else "a console exists". */
    static boolean terminal() {
        Console c = System.console();
        if (c == null) {
            return false;
        }
        try {
            return (Boolean) Console.class.getMethod("isTerminal").invoke(c);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }

    void delivered(long octets) {
        count++;
        bytes += octets;
        draw(false);
    }

    void skipped(long octets) {
        skipped++;
        count++;
        bytes += octets;
        draw(false);
    }

    void done() {
        draw(true);
        if (style == Style.BAR) {
            err.println();
        }
        err.flush();
    }

    private void draw(boolean last) {
        if (style == Style.NONE) {
            return;
        }
        long now = nanos.getAsLong();
        long every = style == Style.BAR ? 200_000_000L : LINE_EVERY_SECONDS * 1_000_000_000L;
        if (!last && lastDraw != Long.MIN_VALUE && now - lastDraw < every) {
            return;
        }
        lastDraw = now;
        double secs = Math.max((now - start) / 1e9, 1e-3);
        double rate = bytes / secs;
        String eta = rate > 0 && bytes > 0 ? clock((long) ((totalBytes - bytes) / rate)) : "--:--";
        String text = String.format(Locale.ROOT, "%d/%d messages  %s/%s  %s/s  elapsed %s  left %s%s", count,
                totalCount, Table.bytes(bytes), Table.bytes(totalBytes), Table.bytes((long) rate), clock((long) secs),
                last ? "0:00" : eta, skipped > 0 ? "  (" + skipped + " already there)" : "");
        if (style == Style.BAR) {
            int width = 30;
            int filled = totalBytes == 0 ? width : (int) (width * bytes / Math.max(totalBytes, 1));
            err.print("\r[" + "#".repeat(Math.min(filled, width)) + ".".repeat(Math.max(0, width - filled)) + "] "
                    + text + "  ");
        } else {
            err.println(label + ": " + text);
        }
        err.flush();
    }

    private static String clock(long seconds) {
        return seconds >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60,
                seconds % 60) : String.format(Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
    }
}
