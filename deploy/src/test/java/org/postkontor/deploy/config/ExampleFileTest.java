package org.postkontor.deploy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExampleFileTest {

    private static final Path EXAMPLE = Path.of("postkontor.properties.example");

    @Test
    void committedExampleListsEveryKeyAsTheCodeDoes() throws Exception {
        assertEquals(ExampleFile.render(), Files.readString(EXAMPLE),
                "deploy/postkontor.properties.example is stale: regenerate it with"
                        + " `./postkontor config example > deploy/postkontor.properties.example`");
        for (Setting<?> s : Settings.ALL) {
            assertTrue(ExampleFile.render().contains("#" + s.key() + "=" + s.defaultText() + "\n"), s.key());
        }
    }

    @Test
    void exampleWithEveryLineUncommentedIsValid(@TempDir Path dir) throws Exception {
        StringBuilder b = new StringBuilder();
        for (String line : ExampleFile.render().split("\n")) {
            if (line.matches("#[a-z0-9.-]+=.*")) {
                b.append(line.substring(1)).append('\n');
            }
        }
        Path f = Files.writeString(dir.resolve("all.properties"), b.toString());
        ApplianceConfig c = ApplianceConfig.load(Optional.of(f), Map.of());
        assertEquals(10025, c.smtp().port());
    }
}
