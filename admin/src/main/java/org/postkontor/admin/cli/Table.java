package org.postkontor.admin.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import org.postkontor.admin.api.Sizes;

/** A plain text table for people: columns padded to their widest cell, numbers right-aligned. */
final class Table {

    private final List<String> headers;
    private final List<List<String>> rows = new ArrayList<>();

    private Table(List<String> headers) {
        this.headers = headers;
    }

    static Table of(String... headers) {
        return new Table(List.of(headers));
    }

    Table row(Object... cells) {
        List<String> r = new ArrayList<>();
        for (Object c : cells) {
            r.add(c == null ? "-" : String.valueOf(c));
        }
        rows.add(r);
        return this;
    }

    void print(PrintWriter out) {
        int[] w = new int[headers.size()];
        boolean[] numeric = new boolean[headers.size()];
        for (int i = 0; i < w.length; i++) {
            w[i] = headers.get(i).length();
            numeric[i] = !rows.isEmpty();
        }
        for (List<String> r : rows) {
            for (int i = 0; i < w.length; i++) {
                w[i] = Math.max(w[i], r.get(i).length());
                numeric[i] &= r.get(i).matches("-|[0-9][0-9.,]*( ?[KMGT]?i?B)?");
            }
        }
        line(out, headers, w, numeric);
        for (List<String> r : rows) {
            line(out, r, w, numeric);
        }
        if (rows.isEmpty()) {
            out.println("(none)");
        }
    }

    private static void line(PrintWriter out, List<String> cells, int[] w, boolean[] numeric) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < w.length; i++) {
            String c = cells.get(i);
            String pad = " ".repeat(w[i] - c.length());
            b.append(numeric[i] ? pad + c : c + (i == w.length - 1 ? "" : pad));
            if (i < w.length - 1) {
                b.append("  ");
            }
        }
        out.println(b.toString().stripTrailing());
    }

    /** 1536 -> "1.5 KiB". */
    static String bytes(long n) {
        return Sizes.human(n);
    }

    /** A quota: 0 is "none". */
    static String limit(long n, boolean bytes) {
        return n == 0 ? "none" : bytes ? bytes(n) : Long.toString(n);
    }
}
