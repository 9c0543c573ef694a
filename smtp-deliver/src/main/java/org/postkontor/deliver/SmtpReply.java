package org.postkontor.deliver;

/**
 * One reply of a remote server, or what stood for it (a connection that failed is a 4xx of our
 * own), as one line: code, then text with line ends and controls removed, at most 300 characters.
 */
record SmtpReply(int code, String text) {

    static SmtpReply of(int code, String raw) {
        String t = raw == null ? "" : raw.replaceAll("[\\r\\n]+", " ").replaceAll("[\\p{Cntrl}]", "").strip();
        if (t.startsWith(code + " ") || t.startsWith(code + "-")) {
            t = t.substring(4);
        }
        t = t.replaceAll("\\b" + code + "[- ]", "").strip();
        return new SmtpReply(code, t.length() > 300 ? t.substring(0, 300) : t);
    }

    /** Our own temporary failure (no connection, DNS, TLS required but not had). */
    static SmtpReply local(String enhanced, String text) {
        return new SmtpReply(451, enhanced + " " + text);
    }

    boolean ok() {
        return code >= 200 && code < 400;
    }

    boolean permanent() {
        return code >= 500;
    }

    /** The enhanced status (RFC 3463) from the text, or one made from the code. */
    String status() {
        var m = java.util.regex.Pattern.compile("^([245]\\.\\d{1,3}\\.\\d{1,3})\\b").matcher(text);
        if (m.find()) {
            return m.group(1);
        }
        return (code / 100) + ".0.0";
    }

    String line() {
        return code + " " + text;
    }
}
