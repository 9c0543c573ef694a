package org.postkontor.pop3;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The state machine's package knows no transport: {@code pop3.netty} depends on it, never the other way. */
class PackageArrowTest {

    @Test
    void thePop3PackageImportsNeitherNettyNorItsNettyPackage() throws IOException {
        Path here = Path.of("src/main/java", Pop3Session.class.getPackageName().replace('.', '/'));
        List<Path> offenders;
        try (Stream<Path> files = Files.list(here)) {
            offenders = files.filter(f -> f.toString().endsWith(".java"))
                    .filter(f -> {
                        String s = read(f);
                        return s.contains("import io.netty.") || s.contains("import org.postkontor.pop3.netty.");
                    })
                    .toList();
        }
        assertEquals(List.of(), offenders);
    }

    private static String read(Path f) {
        try {
            return Files.readString(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
