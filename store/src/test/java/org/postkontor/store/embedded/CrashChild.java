package org.postkontor.store.embedded;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.postkontor.store.MailAddress;
import org.postkontor.store.Maildrop;
import org.postkontor.store.MaildropEntry;
import org.postkontor.store.Receipt;
import org.postkontor.store.Store;
import org.postkontor.store.StoreConfig;
import org.postkontor.store.StoreMetrics;
import org.postkontor.store.testing.PlainTestHasher;

/**
 * The process {@link CrashTest} kills. {@code deliver <dataDir> <seed> <mailbox>...}: delivers
 * self-checking messages from 8 threads until killed, printing one line per acknowledged
 * delivery and expunge on stdout:
 * <pre>
 *   READY
 *   ACK queueId mailbox,mailbox sha256 octets
 *   EXPUNGING mailbox uidl,uidl      (before the call)
 *   EXPUNGED mailbox uidl,uidl       (after it returned)
 * </pre>
 * {@code hold <dataDir> <mailbox>}: opens the maildrop, delivers one message (whose synced commit
 * makes the lock row durable), prints {@code LOCKED}, and sleeps.
 */
public final class CrashChild {

    static final int THREADS = 8;

    private CrashChild() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[1]);
        StoreConfig under = StoreConfig.under(dir);
        StoreConfig config = new StoreConfig(under.spoolDir(), under.indexDir(), under.badmailDir(), 0);
        Store store = EmbeddedStore.open(config, new PlainTestHasher(), Clock.systemUTC(), StoreMetrics.NOOP);
        PrintStream out = System.out;
        if (args[0].equals("hold")) {
            Maildrop m = store.maildrops().open(MailAddress.parse(args[2]));
            // a delivery while the lock is held: the next start serves it
            store.spool().deliver(List.of(MailAddress.parse(args[2])),
                    new ByteArrayInputStream("Subject: sync\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            out.println("LOCKED " + m.listing().size());
            out.flush();
            Thread.sleep(600_000);
            return;
        }
        long seed = Long.parseLong(args[2]);
        List<MailAddress> boxes = new ArrayList<>();
        for (int i = 3; i < args.length; i++) {
            boxes.add(MailAddress.parse(args[i]));
        }
        String journalFile = System.getProperty("crash.journal");
        Journal journal = new Journal(out, journalFile == null ? null : new FileOutputStream(journalFile, true));
        journal.say("READY");
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int id = t;
            threads.add(Thread.ofPlatform().start(() -> run(store, boxes, new Random(seed * 31 + id), id, journal)));
        }
        for (Thread t : threads) {
            t.join();
        }
    }

    /**
     * Where the child says what it did: stdout (for the parent's waits) and, above all, a journal
     * file, each line in one write, read by the parent after the kill. A kill keeps every byte
     * written to a file; the parent's reading of the stdout pipe was seen to miss a line.
     */
    static final class Journal {
        private final PrintStream out;
        private final FileOutputStream file;

        Journal(PrintStream out, FileOutputStream file) {
            this.out = out;
            this.file = file;
        }

        synchronized void say(String line) throws IOException {
            if (file != null) {
                file.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
            }
            out.println(line);
            out.flush();
        }
    }

    private static void run(Store store, List<MailAddress> boxes, Random r, int thread, Journal out) {
        try {
            for (int n = 0; n < 1_000_000; n++) {
                if (thread == 0 && n % 3 == 2) {
                    expungeSome(store, boxes.get(0), r, out);
                    continue;
                }
                List<MailAddress> to = new ArrayList<>(boxes);
                java.util.Collections.shuffle(to, r);
                to = to.subList(0, 1 + r.nextInt(to.size()));
                Message m = Message.random(r, thread + "-" + n);
                Receipt receipt = store.spool().deliver(to, new ByteArrayInputStream(m.input()));
                String line = "ACK " + receipt.queueId() + " "
                        + receipt.delivered().stream().map(MailAddress::toString).sorted().collect(Collectors.joining(","))
                        + " " + m.sha256() + " " + m.stored().length;
                out.say(line);
            }
        } catch (Exception e) {
            e.printStackTrace();
            System.exit(2);
        }
    }

    private static void expungeSome(Store store, MailAddress box, Random r, Journal out) throws Exception {
        try (Maildrop m = store.maildrops().open(box)) {
            List<MaildropEntry> l = m.listing();
            if (l.size() < 4) {
                return;
            }
            Set<MaildropEntry> chosen = Set.of(l.get(r.nextInt(l.size() / 2)), l.get(l.size() / 2 + r.nextInt(l.size() / 2)));
            String uidls = chosen.stream().map(MaildropEntry::uidl).sorted().collect(Collectors.joining(","));
            out.say("EXPUNGING " + box + " " + uidls);
            m.expunge(chosen);
            out.say("EXPUNGED " + box + " " + uidls);
        } catch (org.postkontor.store.MailboxInUseException e) {
            // another thread of this process has it; skip
        }
    }

    /**
     * A self-checking message: CRLF text whose last line is {@code X-Check: <sha256 of all bytes
     * before it>}. {@code input} is the same text with some CRLFs written as a lone LF, as SMTP
     * clients sometimes send; the store must turn it back into {@code stored}.
     */
    record Message(byte[] input, byte[] stored, String sha256) {

        static Message random(Random r, String tag) throws Exception {
            StringBuilder text = new StringBuilder();
            text.append("Subject: crash ").append(tag).append("\r\n\r\n");
            int lines = 1 + r.nextInt(120);
            for (int i = 0; i < lines; i++) {
                int len = r.nextInt(90);
                for (int k = 0; k < len; k++) {
                    text.append((char) ('!' + r.nextInt(94)));
                }
                text.append("\r\n");
            }
            byte[] head = text.toString().getBytes(StandardCharsets.US_ASCII);
            String check = "X-Check: " + hex(head) + "\r\n";
            byte[] stored = (text + check).getBytes(StandardCharsets.US_ASCII);
            ByteArrayOutputStream in = new ByteArrayOutputStream();
            for (int i = 0; i < stored.length; i++) {
                if (stored[i] == '\r' && r.nextInt(3) == 0) {
                    continue; // send "\n" alone
                }
                in.write(stored[i]);
            }
            return new Message(in.toByteArray(), stored, hex(stored));
        }

        static String hex(byte[] b) throws Exception {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        }

        /** True if {@code stored} ends with a correct X-Check line. */
        static boolean selfCheckHolds(byte[] stored) throws Exception {
            String s = new String(stored, StandardCharsets.US_ASCII);
            int at = s.lastIndexOf("X-Check: ");
            if (at < 0 || !s.endsWith("\r\n")) {
                return false;
            }
            String claimed = s.substring(at + "X-Check: ".length(), s.length() - 2);
            byte[] head = s.substring(0, at).getBytes(StandardCharsets.US_ASCII);
            return claimed.equals(hex(head));
        }
    }
}
