package org.postkontor.smtp.internal;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Function;
import org.subethamail.smtp.internal.io.DotTerminatedInputStream;
import org.subethamail.smtp.internal.io.DotUnstuffingInputStream;

/**
 * Benchmark (not a test): CPU per message of reading DATA, SubEthaSMTP 7.2.2's stream pair against
 * {@link DotTerminatedData}, for 4 KiB and 64 KiB messages. Like the listener: a
 * {@code BufferedInputStream(8192)} over the connection's bytes (here a byte array holding many
 * messages, each followed by the next MAIL command), the data read in 16 KiB arrays (as
 * {@code Transaction} does) and scanned by {@link DataScanner}, then the next command line read.
 * One thread; prints the median of several rounds as a Markdown table.
 *
 * <p>Arguments: {@code [rounds, default 7]}.
 */
public final class DataReadBenchmark {

    private static final byte[] NEXT = "MAIL FROM:<sender@remote.test>\r\n".getBytes(StandardCharsets.US_ASCII);

    private DataReadBenchmark() {}

    public static void main(String[] args) throws IOException {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        System.out.printf("%d CPUs, load average %.1f, %s%n%n", Runtime.getRuntime().availableProcessors(),
                java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
                Runtime.version());
        System.out.println("| message | reader | µs per message | MB/s |");
        System.out.println("|---|---|---:|---:|");
        for (int size : new int[] {4096, 65536}) {
            byte[] stream = connection(size, Math.max(200, (32 << 20) / size));
            int messages = Math.max(200, (32 << 20) / size);
            Function<InputStream, InputStream> library = raw -> new DotUnstuffingInputStream(new DotTerminatedInputStream(raw));
            Function<InputStream, InputStream> bulk = DotTerminatedData::new;
            for (int warm = 0; warm < 3; warm++) {
                run(stream, messages, library);
                run(stream, messages, bulk);
            }
            double[] lib = new double[rounds];
            double[] ours = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                lib[r] = run(stream, messages, library);
                ours[r] = run(stream, messages, bulk);
            }
            print(size, "SubEthaSMTP 7.2.2 streams", median(lib), stream.length / messages);
            print(size, "DotTerminatedData", median(ours), stream.length / messages);
        }
    }

    private static void print(int size, String reader, double nanosPerMessage, int bytesPerMessage) {
        System.out.printf("| %d KiB | %s | %.1f | %.0f |%n", size / 1024, reader, nanosPerMessage / 1000,
                bytesPerMessage / (nanosPerMessage / 1e9) / 1e6);
    }

    /** Nanoseconds per message: all messages of the connection read as the listener does. */
    private static double run(byte[] stream, int messages, Function<InputStream, InputStream> reader) throws IOException {
        InputStream raw = new BufferedInputStream(new ByteArrayInputStream(stream), 8192);
        byte[] b = new byte[16384];
        long total = 0;
        long start = System.nanoTime();
        for (int m = 0; m < messages; m++) {
            InputStream data = reader.apply(raw);
            DataScanner scanner = new DataScanner(1000);
            int n;
            while ((n = data.read(b)) >= 0) {
                scanner.scan(b, 0, n);
                total += n;
            }
            int c;
            while ((c = raw.read()) != '\n') { // the next command
                if (c < 0) {
                    throw new IllegalStateException("lost the command behind message " + m);
                }
            }
        }
        long nanos = System.nanoTime() - start;
        if (total == 0) {
            throw new IllegalStateException();
        }
        return (double) nanos / messages;
    }

    /** {@code count} copies of a dot-stuffed message of about {@code size} bytes, each with its MAIL line. */
    private static byte[] connection(int size, int count) {
        ByteArrayOutputStream m = new ByteArrayOutputStream();
        m.writeBytes(("Received: from client.test (client.test [192.0.2.1])\r\n\tby mx.example.test; Fri, 27 Nov 2026"
                + " 22:00:00 +0000\r\nFrom: <sender@remote.test>\r\nTo: <bench@example.test>\r\nSubject: benchmark\r\n"
                + "Message-ID: <1@remote.test>\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        int line = 0;
        while (m.size() < size - 80) {
            line++;
            String text = (line % 25 == 0 ? ".." : "") + "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do "
                    + line;
            m.writeBytes((text + "\r\n").getBytes(StandardCharsets.US_ASCII));
        }
        m.writeBytes(".\r\n".getBytes(StandardCharsets.US_ASCII));
        m.writeBytes(NEXT);
        byte[] one = m.toByteArray();
        byte[] all = new byte[one.length * count];
        for (int i = 0; i < count; i++) {
            System.arraycopy(one, 0, all, i * one.length, one.length);
        }
        return all;
    }

    private static double median(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
