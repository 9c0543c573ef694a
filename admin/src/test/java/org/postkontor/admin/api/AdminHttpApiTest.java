package org.postkontor.admin.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.admin.testing.TestAppliance;
import org.postkontor.store.testing.ClientTools;

/** The admin HTTP API driven by curl, as README.md shows it. */
class AdminHttpApiTest {

    @TempDir
    Path data;

    final ObjectMapper json = new ObjectMapper();

    record Http(int status, String body) {}

    Http curl(TestAppliance app, String token, String method, String path, String body) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "60", "-o", "-", "-w", "\n%{http_code}",
                "-X", method));
        if (token != null) {
            cmd.addAll(List.of("-H", "Authorization: Bearer " + token));
        }
        if (body != null) {
            cmd.addAll(List.of("--data-binary", body));
        }
        cmd.add(app.api() + path);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(90, TimeUnit.SECONDS));
        int nl = out.lastIndexOf('\n');
        return new Http(Integer.parseInt(out.substring(nl + 1).strip()), out.substring(0, nl));
    }

    @Test
    void curlExamples() throws Exception {
        ClientTools.require(Files.isExecutable(Path.of("/usr/bin/curl")), "/usr/bin/curl is not installed");
        try (TestAppliance app = TestAppliance.start(data, false)) {
            String token = Files.readString(data.resolve(AdminToken.FILE_NAME)).strip();
            assertEquals("rw-------",
                    PosixFilePermissions.toString(Files.getPosixFilePermissions(data.resolve(AdminToken.FILE_NAME))));

            Http h = curl(app, null, "GET", "/api/v1/status", null);
            assertEquals(401, h.status(), h.body());
            assertEquals("unauthorized", json.readTree(h.body()).path("error").asText());
            assertEquals(401, curl(app, token + "x", "GET", "/api/v1/status", null).status());

            h = curl(app, token, "POST", "/api/v1/domains", "{\"name\":\"Example.TEST\"}");
            assertEquals(201, h.status(), h.body());
            h = curl(app, token, "POST", "/api/v1/users",
                    "{\"address\":\"alice@example.test\",\"password\":\"Correct-Horse-9\",\"quotaBytes\":1073741824}");
            assertEquals(201, h.status(), h.body());
            h = curl(app, token, "POST", "/api/v1/users", "{\"address\":\"bob@example.test\",\"password\":\"password\"}");
            assertEquals(400, h.status(), h.body());
            assertTrue(json.readTree(h.body()).path("message").asText().startsWith("weak password"), h.body());
            h = curl(app, token, "POST", "/api/v1/users", "{\"address\":\"bob@other.test\",\"password\":\"Xy-12345678\"}");
            assertEquals(404, h.status(), h.body());
            h = curl(app, token, "POST", "/api/v1/users", "not json");
            assertEquals(400, h.status(), h.body());
            h = curl(app, token, "GET", "/api/v1/users?domain=example.test", null);
            assertEquals(200, h.status(), h.body());
            JsonNode users = json.readTree(h.body());
            assertEquals("alice@example.test", users.get(0).path("address").asText());
            assertFalse(h.body().contains("Correct-Horse-9"), "never echoes a password");

            h = curl(app, token, "POST", "/api/v1/mailboxes/alice@example.test/messages?uidl=0000000165a1b2c3",
                    "Subject: hi\r\n\r\nhello\r\n");
            assertEquals(201, h.status(), h.body());
            h = curl(app, token, "POST", "/api/v1/mailboxes/alice@example.test/messages?uidl=0000000165a1b2c3",
                    "Subject: hi\r\n\r\nhello\r\n");
            assertEquals(200, h.status(), h.body());
            assertTrue(json.readTree(h.body()).path("skipped").asBoolean(), "a UIDL is never delivered twice");
            h = curl(app, token, "GET", "/api/v1/mailboxes/alice@example.test/uidls", null);
            assertEquals("[ \"0000000165a1b2c3\" ]", h.body().strip());
            h = curl(app, token, "POST", "/api/v1/mailboxes/alice@example.test/messages?uidl=bad%20uidl", "x");
            assertEquals(400, h.status(), h.body());

            h = curl(app, token, "DELETE", "/api/v1/users/alice@example.test", null);
            assertEquals(400, h.status(), "mail=keep or mail=delete is required: " + h.body());
            h = curl(app, token, "DELETE", "/api/v1/domains/example.test", null);
            assertEquals(409, h.status(), h.body());
            h = curl(app, token, "GET", "/api/v1/nothing-here", null);
            assertEquals(404, h.status(), h.body());
            assertNotEquals("", json.readTree(h.body()).path("message").asText());
        }
    }
}
