package org.postkontor.deploy.diskfull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Python's smtplib and poplib as the real third-party clients. One smtplib session sends a list of
 * message files, one transaction each (with or without {@code SIZE=} on MAIL), and prints
 * the final reply of each; one poplib session logs in, retrieves everything, deletes what it is
 * told, and quits.
 */
final class Clients {

    private static final String SMTP_SCRIPT = """
            import smtplib, sys
            host, port, sender, rcpt, hint = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
            s = smtplib.SMTP(host, port, local_hostname='client.remote.test', timeout=120)
            s.ehlo('client.remote.test')
            for f in sys.argv[6:]:
                data = open(f, 'rb').read()
                code, msg = s.mail(sender, ['SIZE=%d' % len(data)] if hint == 'size' else [])
                stage = 'MAIL'
                if code == 250:
                    code, msg = s.rcpt(rcpt)
                    stage = 'RCPT'
                if code == 250:
                    stage = 'DATA'
                    try:
                        code, msg = s.data(data)
                    except smtplib.SMTPDataError as e:
                        code, msg = e.smtp_code, e.smtp_error
                else:
                    s.rset()
                print(stage, code, msg.decode('utf-8', 'replace').replace('\\n', ' '), flush=True)
            s.quit()
            """;

    private static final String POP3_SCRIPT = """
            import poplib, sys, base64
            host, port, user, password, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
            dele = [int(n) for n in sys.argv[6:]]
            p = poplib.POP3(host, port, timeout=120)
            p.user(user)
            p.pass_(password)
            count, size = p.stat()
            with open(out, 'w') as o:
                print('STAT', count, size, file=o)
                for i in range(1, count + 1):
                    resp, lines, octets = p.retr(i)
                    print('MSG', i, base64.b64encode(b'\\r\\n'.join(lines) + b'\\r\\n').decode('ascii'), file=o)
                for n in dele:
                    print('DELE', n, p.dele(n).decode('ascii', 'replace'), file=o)
                try:
                    quit = p.quit()
                except poplib.error_proto as e:
                    quit = e.args[0]
                print('QUIT', quit.decode('ascii', 'replace'), file=o)
            """;

    /** The final reply of one transaction: the stage it ended in ({@code MAIL}, {@code RCPT}, {@code DATA}). */
    record SmtpResult(String stage, int code, String text) {
        boolean accepted() {
            return "DATA".equals(stage) && code == 250;
        }

        /** 452 4.3.1, at RCPT (the size hint crosses the reserve) or after DATA (the disk filled up). */
        boolean insufficientStorage() {
            return code == 452 && text.startsWith("4.3.1");
        }

        @Override
        public String toString() {
            return stage + " " + code + " " + text;
        }
    }

    /** What one POP3 session saw: the messages by number, and the DELE and QUIT replies. */
    record Pop3Result(Map<Integer, byte[]> messages, List<String> deleReplies, String quitReply) {}

    private final Path dir;

    Clients(Path dir) throws IOException {
        this.dir = dir;
        Files.writeString(dir.resolve("smtp_send.py"), SMTP_SCRIPT);
        Files.writeString(dir.resolve("pop3_session.py"), POP3_SCRIPT);
    }

    List<SmtpResult> send(int port, String rcpt, boolean sizeHint, List<Path> messages)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("python3", dir.resolve("smtp_send.py").toString(), "127.0.0.1",
                Integer.toString(port), "sender@remote.test", rcpt, sizeHint ? "size" : "nosize"));
        messages.forEach(m -> cmd.add(m.toString()));
        Path errFile = Files.createTempFile(dir, "smtp", ".err");
        Process p = new ProcessBuilder(cmd).redirectError(errFile.toFile()).start();
        String out;
        String err;
        try {
            out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            boolean ended = p.waitFor(120, TimeUnit.SECONDS);
            err = Files.readString(errFile);
            if (!ended || p.exitValue() != 0) {
                throw new IOException("smtplib failed: " + out + "\n" + err);
            }
        } finally {
            p.destroyForcibly();
        }
        List<SmtpResult> results = new ArrayList<>();
        for (String line : out.lines().toList()) {
            String[] f = line.split(" ", 3);
            results.add(new SmtpResult(f[0], Integer.parseInt(f[1]), f.length > 2 ? f[2] : ""));
        }
        if (results.size() != messages.size()) {
            throw new IOException("smtplib answered " + results.size() + " of " + messages.size() + ": " + out + err);
        }
        return results;
    }

    Pop3Result pop3(int port, String user, String password, int... dele) throws IOException, InterruptedException {
        Path out = Files.createTempFile(dir, "pop3", ".out");
        List<String> cmd = new ArrayList<>(List.of("python3", dir.resolve("pop3_session.py").toString(), "127.0.0.1",
                Integer.toString(port), user, password, out.toString()));
        for (int n : dele) {
            cmd.add(Integer.toString(n));
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            String console = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("poplib failed: " + console + "\n" + Files.readString(out));
            }
        } finally {
            p.destroyForcibly();
        }
        Map<Integer, byte[]> messages = new LinkedHashMap<>();
        List<String> deles = new ArrayList<>();
        String quit = null;
        for (String line : Files.readAllLines(out)) {
            String[] f = line.split(" ", 3);
            switch (f[0]) {
                case "MSG" -> messages.put(Integer.parseInt(f[1]), Base64.getDecoder().decode(f[2]));
                case "DELE" -> deles.add(f[2]);
                case "QUIT" -> quit = line.substring(5);
                default -> { }
            }
        }
        Files.delete(out);
        return new Pop3Result(messages, deles, quit);
    }
}
