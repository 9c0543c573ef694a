package org.postkontor.deploy.badmail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Python's smtplib and poplib as real third-party clients. The scripts print one result per line;
 * the SMTP one can stop after RCPT (printing {@code PAUSED}) until the test writes a line to its
 * stdin, so the test can change a mailbox between RCPT and delivery. Public for the web admin's browser
 * test.
 */
public final class PythonClients {

    private static final String SMTP_SCRIPT = """
            import smtplib, sys
            host, port, sender, msgfile, pause = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
            rcpts = sys.argv[6:]
            data = open(msgfile, 'rb').read()
            s = smtplib.SMTP(host, port, local_hostname='client.remote.test', timeout=60)
            s.ehlo('client.remote.test')
            code, _ = s.mail(sender)
            print('MAIL', code, flush=True)
            for r in rcpts:
                code, _ = s.rcpt(r)
                print('RCPT', code, flush=True)
            if pause == 'pause':
                print('PAUSED', flush=True)
                sys.stdin.readline()
            try:
                code, msg = s.data(data)
            except smtplib.SMTPDataError as e:
                code, msg = e.smtp_code, e.smtp_error
            print('DATA', code, msg.decode('utf-8', 'replace'), flush=True)
            s.quit()
            """;

    private static final String POP3_SCRIPT = """
            import poplib, sys, base64
            host, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
            p = poplib.POP3(host, port, timeout=60)
            p.user(user)
            p.pass_(password)
            count, size = p.stat()
            print('STAT', count, size, flush=True)
            for i in range(1, count + 1):
                resp, lines, octets = p.retr(i)
                print('MSG', base64.b64encode(b'\\r\\n'.join(lines) + b'\\r\\n').decode('ascii'), flush=True)
            p.quit()
            """;

    private final Path dir;

    public PythonClients(Path dir) throws IOException {
        this.dir = dir;
        Files.writeString(dir.resolve("smtp_send.py"), SMTP_SCRIPT);
        Files.writeString(dir.resolve("pop3_fetch.py"), POP3_SCRIPT);
    }

    /** A running SMTP client. */
    final class SmtpRun implements AutoCloseable {
        private final Process process;
        private final BufferedReader out;
        private final Writer in;
        private final List<String> lines = new ArrayList<>();

        private SmtpRun(Process process) {
            this.process = process;
            this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        }

        /** Reads result lines up to and including one that starts with {@code prefix}. */
        String await(String prefix) throws IOException {
            for (int i = 0; i < 100; i++) {
                String line = out.readLine();
                if (line == null) {
                    throw new IOException("smtplib ended early; output " + lines + ", errors: " + errors());
                }
                lines.add(line);
                if (line.startsWith(prefix)) {
                    return line;
                }
            }
            throw new IOException("no " + prefix + " in " + lines);
        }

        void resume() throws IOException {
            in.write("go\n");
            in.flush();
        }

        List<String> finish() throws IOException, InterruptedException {
            String line;
            while ((line = out.readLine()) != null) {
                lines.add(line);
            }
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                throw new IOException("smtplib did not end");
            }
            if (process.exitValue() != 0) {
                throw new IOException("smtplib failed (" + process.exitValue() + "): " + lines + " " + errors());
            }
            return List.copyOf(lines);
        }

        private String errors() {
            try {
                return new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "(unreadable)";
            }
        }

        @Override
        public void close() {
            if (process.isAlive()) {
                process.destroyForcibly();
            }
        }
    }

    /** Starts one SMTP transaction; with {@code pause} it waits after RCPT until {@link SmtpRun#resume()}. */
    SmtpRun smtp(int port, String sender, byte[] message, boolean pause, String... recipients) throws IOException {
        Path msg = Files.createTempFile(dir, "msg", ".eml");
        Files.write(msg, message);
        List<String> cmd = new ArrayList<>(List.of("python3", dir.resolve("smtp_send.py").toString(), "127.0.0.1",
                Integer.toString(port), sender, msg.toString(), pause ? "pause" : "go"));
        cmd.addAll(List.of(recipients));
        return new SmtpRun(new ProcessBuilder(cmd).start());
    }

    /** One whole SMTP transaction; returns the result lines ({@code MAIL 250}, {@code RCPT 250}, {@code DATA 250 ...}). */
    public List<String> send(int port, String sender, byte[] message, String... recipients)
            throws IOException, InterruptedException {
        try (SmtpRun run = smtp(port, sender, message, false, recipients)) {
            return run.finish();
        }
    }

    /** Logs in over POP3 (USER/PASS), retrieves every message (without deleting), quits. */
    public List<byte[]> fetch(int port, String user, String password) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("python3", dir.resolve("pop3_fetch.py").toString(), "127.0.0.1",
                Integer.toString(port), user, password).start();
        try {
            List<String> lines = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("poplib failed: " + lines + " "
                        + new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
            }
            return lines.stream().filter(l -> l.startsWith("MSG ")).map(l -> Base64.getDecoder().decode(l.substring(4)))
                    .toList();
        } finally {
            p.destroyForcibly();
        }
    }
}
