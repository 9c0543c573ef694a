package org.postkontor.smtp.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Pattern;
import org.postkontor.smtp.SmtpMetrics.Reason;

/**
 * The output half of the library adapter: every reply line SubEthaSMTP writes passes through here
 * on its way to the socket. It
 * <ul>
 *   <li>adds an RFC 3463 enhanced status code to every 2xx/4xx/5xx reply line that has none (the
 *       greeting and the EHLO/HELO replies are exempt, RFC 2034 §4);</li>
 *   <li>advertises PIPELINING (RFC 2920) and ENHANCEDSTATUSCODES (RFC 2034) in the EHLO reply, and
 *       not STARTTLS once TLS is on (RFC 3207 §4.2; the library lists it still);</li>
 *   <li>applies the error tarpit: the reply to the n-th bad command is delayed, and after
 *       {@code tarpitLimit} of them the session gets 421 4.7.0 and is closed;</li>
 *   <li>closes a session that ran past {@code sessionMaxDuration} with 421 4.4.2.</li>
 * </ul>
 * Lines are buffered until the library flushes (it flushes after every reply), so a reply leaves as
 * one write. Not thread-safe: used by the session thread only.
 */
final class ReplyWriter extends OutputStream {

    /** Library replies are a few lines of at most ~1 KB; anything longer is passed through. */
    private static final int MAX_LINE = 4096;
    /** RFC 5321 §4.5.3.1.5: a reply line is at most 512 octets with its CRLF. */
    private static final int MAX_REPLY_LINE = 512;
    private static final Pattern ENHANCED = Pattern.compile("[245]\\.\\d{1,3}\\.\\d{1,3}( .*)?");

    private final OutputStream out;
    private final Connection conn;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream(512);
    private boolean greeted;
    private boolean inEhlo;
    private Duration delay = Duration.ZERO;
    private boolean closeAfter;
    /** The code of a multi-line reply still open (its last line was "NNN-"), or -1. */
    private int openCode = -1;

    ReplyWriter(OutputStream out, Connection conn, boolean greeted) {
        this.out = out;
        this.conn = conn;
        this.greeted = greeted;
    }

    @Override
    public void write(int b) throws IOException {
        line.write(b);
        int n = line.size();
        if (b == '\n') {
            // A reply line ends with CRLF (RFC 5321 §4.2). The library's HELP <topic> text ends
            // its lines with a bare LF: treat that as a line end too, so the client gets CRLF.
            boolean crlf = n >= 2 && line.toByteArray()[n - 2] == '\r';
            String s = line.toString(StandardCharsets.UTF_8);
            line.reset();
            reply(s.substring(0, s.length() - (crlf ? 2 : 1)));
        } else if (n > MAX_LINE) {
            line.writeTo(pending);
            line.reset();
        }
    }

    /** As {@link #write(int)} byte by byte, but the text between line ends is copied in runs. */
    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        int i = off;
        int end = off + len;
        while (i < end) {
            if (b[i] == '\n') {
                write('\n');
                i++;
                continue;
            }
            int j = i;
            int room = MAX_LINE + 1 - line.size(); // the byte that makes the line too long moves it to pending
            while (j < end && j - i < room && b[j] != '\n') {
                j++;
            }
            line.write(b, i, j - i);
            if (line.size() > MAX_LINE) {
                line.writeTo(pending);
                line.reset();
            }
            i = j;
        }
    }

    @Override
    public void flush() throws IOException {
        if (pending.size() == 0 && line.size() == 0) {
            out.flush();
            return;
        }
        if (!closeAfter && conn.expired()) {
            add(Reply.SESSION_TOO_LONG.line());
            conn.metrics().rejection(Reason.TIMEOUT);
            closeAfter = true;
        }
        if (!delay.isZero()) {
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            delay = Duration.ZERO;
        }
        line.writeTo(pending);
        line.reset();
        pending.writeTo(out);
        pending.reset();
        out.flush();
        if (closeAfter) {
            conn.closeNow();
        }
    }

    @Override
    public void close() throws IOException {
        out.close();
    }

    private void reply(String line) {
        String s = printable(line);
        if (s.length() < 3 || !Character.isDigit(s.charAt(0)) || !Character.isDigit(s.charAt(1))
                || !Character.isDigit(s.charAt(2)) || (s.length() > 3 && s.charAt(3) != ' ' && s.charAt(3) != '-')) {
            if (openCode > 0) {
                // A line without a code inside a multi-line reply (the library's HELP AUTH text):
                // every line of a reply carries the code (RFC 5321 §4.2.1), so give it one.
                reply(openCode + "-" + s.strip());
            } else {
                add(s);
            }
            return;
        }
        int code = Integer.parseInt(s.substring(0, 3));
        boolean last = s.length() == 3 || s.charAt(3) == ' ';
        openCode = last ? -1 : code;
        String text = s.length() > 4 ? s.substring(4) : "";
        if (!greeted && code == 220) {
            greeted = true;
            add(s);
            return;
        }
        greeted = true;
        if (inEhlo) {
            if (!(s.equals("250-STARTTLS") && conn.tlsProtocol() != null)) {
                add(s);
            }
            inEhlo = !last;
            return;
        }
        if (code == 250 && text.equals(conn.config().hostname())) {
            // First line of the EHLO reply, or the HELO reply: exempt from enhanced codes.
            add(s);
            if (!last) {
                inEhlo = true;
                add("250-PIPELINING");
                add("250-ENHANCEDSTATUSCODES");
            }
            return;
        }
        String rewritten;
        boolean hasCode = ENHANCED.matcher(text).matches();
        if (hasCode || code / 100 == 3 || code / 100 == 1) {
            rewritten = s;
        } else {
            String enhanced = code == 250 ? okCode() : EnhancedCodes.forLibraryReply(code, text);
            rewritten = s.substring(0, 4) + enhanced + (text.isEmpty() ? "" : " " + text);
            if (last && code >= 500) {
                conn.metrics().rejection(code == 503 ? Reason.BAD_SEQUENCE
                        : code >= 500 && code <= 504 || code == 555 ? Reason.SYNTAX : Reason.OTHER);
            }
        }
        add(rewritten);
        if (last && isBadCommand(code, rewritten)) {
            int errors = conn.countError();
            delay = conn.config().tarpitDelayFor(errors);
            if (errors >= conn.config().tarpitLimit() && !closeAfter) {
                add(Reply.TOO_MANY_ERRORS.line());
                conn.metrics().rejection(Reason.TOO_MANY_ERRORS);
                closeAfter = true;
            }
        }
    }

    private String okCode() {
        String hint = conn.takeOkHint();
        return hint != null ? hint : "2.0.0";
    }

    private static boolean isBadCommand(int code, String line) {
        return code >= 500 || line.startsWith("452 4.5.3");
    }

    private void add(String s) {
        if (s.length() > MAX_REPLY_LINE - 2) {
            // The library echoes client input ("Error in parameters: ..."): cut, never over the limit.
            s = s.substring(0, MAX_REPLY_LINE - 5) + "...";
        }
        byte[] b = (s + "\r\n").getBytes(StandardCharsets.US_ASCII);
        pending.write(b, 0, b.length);
    }

    /**
     * Reply text is HT and printable US-ASCII only (RFC 5321 §4.2, textstring). The library echoes
     * client input in some errors ("Error in parameters: ..."): anything else becomes '?', so no
     * client byte reaches the wire raw.
     */
    static String printable(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\t' && (c < 0x20 || c > 0x7e)) {
                if (sb == null) {
                    sb = new StringBuilder(s.length()).append(s, 0, i);
                }
                sb.append('?');
            } else if (sb != null) {
                sb.append(c);
            }
        }
        return sb == null ? s : sb.toString();
    }
}
