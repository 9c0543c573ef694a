package org.postkontor.submit.dkim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.postkontor.store.DkimKey;
import org.postkontor.store.testing.ClientTools;

/**
 * Signatures checked by an independent verifier, Debian's python3-dkim (dkimpy), for both
 * algorithms, on a message that exercises relaxed canonicalization: folded and oddly spaced
 * headers, a header repeated, trailing whitespace, runs of spaces and empty lines at the end.
 */
class DkimSignerTest {

    private static final String MESSAGE = "From:   Alice  <alice@example.test>\r\n"
            + "To: bob@remote.test,\r\n\tcarol@remote.test\r\n"
            + "Subject:  a   folded\r\n  subject \r\n"
            + "Date: Mon, 7 Dec 2026 10:00:00 +0000\r\n"
            + "Received: from a\r\nReceived: from b\r\n"
            + "Message-ID: <x@example.test>\r\n"
            + "\r\n"
            + "Hello  there,   \r\n\tindented line\r\n\r\nlast line \r\n\r\n\r\n";

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(DkimKey.Algorithm.class)
    void pythonDkimVerifiesTheSignature(DkimKey.Algorithm algorithm) throws Exception {
        ClientTools.require(Files.isExecutable(Path.of("/usr/bin/python3")), "python3 is not installed");
        DkimKey key = DkimKey.generate("example.test", "sel", algorithm, Instant.parse("2026-12-07T10:00:00Z"));
        byte[] bytes = MESSAGE.getBytes(StandardCharsets.UTF_8);
        HeaderBlock header = HeaderBlock.read(new ByteArrayInputStream(bytes));
        ByteArrayInputStream body = new ByteArrayInputStream(bytes);
        body.skipNBytes(header.octets());
        String field = DkimSigner.sign(header, DkimSigner.bodyHash(body), key, Instant.now());
        Path msg = dir.resolve("signed.eml");
        Files.write(msg, (field + MESSAGE).getBytes(StandardCharsets.UTF_8));
        Path record = dir.resolve("record.txt");
        Files.writeString(record, key.recordValue());
        String script = """
                import dkim, sys
                data = open(sys.argv[1], 'rb').read()
                rec = open(sys.argv[2], 'rb').read()
                print('ok' if dkim.verify(data, dnsfunc=lambda name, timeout=5: rec) else 'bad')
                """;
        Process p = new ProcessBuilder(List.of("/usr/bin/python3", "-c", script, msg.toString(), record.toString()))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        p.waitFor(60, TimeUnit.SECONDS);
        ClientTools.require(!out.contains("No module named"), "python3-dkim or python3-nacl is not installed");
        assertEquals("ok", out, field);
    }
}
