package org.postkontor.admin.web;

import org.postkontor.admin.api.Sizes;

/** Numbers as the pages show them. Public for the templates. */
public final class Format {

    private Format() {}

    /** 1536 -> "1.5 KiB". */
    public static String bytes(long n) {
        return Sizes.human(n);
    }

    /** A byte quota: 0 is "no limit". */
    public static String limit(long n) {
        return n == 0 ? "no limit" : bytes(n);
    }

    /** A byte quota as a form field shows it: 0, or whole units ("2G", "500M"), else bytes. */
    public static String size(long n) {
        String[] units = {"K", "M", "G", "T"};
        String out = Long.toString(n);
        long v = n;
        for (String u : units) {
            if (v == 0 || v % 1024 != 0) {
                break;
            }
            v /= 1024;
            out = v + u;
        }
        return out;
    }

    /** Seconds as the largest whole unit: "3d", "5h", "12m", "40s". */
    public static String age(long seconds) {
        if (seconds >= 86_400) {
            return seconds / 86_400 + "d";
        }
        if (seconds >= 3600) {
            return seconds / 3600 + "h";
        }
        if (seconds >= 60) {
            return seconds / 60 + "m";
        }
        return seconds + "s";
    }
}
