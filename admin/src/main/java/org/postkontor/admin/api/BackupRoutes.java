package org.postkontor.admin.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import org.postkontor.store.BackupSummary;
import org.postkontor.store.Store;
import org.postkontor.store.StoreException;

/**
 * {@code POST /api/v1/backups} with {@code {"dir": "/abs/path", "previous": "/abs/path"}}: an online
 * backup of the whole store into {@code dir} (which must not exist), hard-linking the message files
 * an earlier backup {@code previous} already has. Paths are the appliance's own, and absolute.
 */
record BackupRoutes(Store store, ObjectMapper json) implements Routes {

    @Override
    public AdminApi.Reply handle(AdminApi.Request r, String m, String[] p)
            throws AdminError, StoreException, IOException {
        ApiInput.expect(m, "POST", p, 1);
        JsonNode b = ApiInput.body(json, r);
        Path dir = absolute(ApiInput.text(b, "dir"), "dir");
        Path previous = b.hasNonNull("previous") ? absolute(b.get("previous").asText(), "previous") : null;
        BackupSummary s = store.backup(dir, previous);
        return Routes.created(json.createObjectNode()
                .put("dir", s.directory().toString())
                .put("started", s.started().toString())
                .put("seconds", s.took().toMillis() / 1000.0)
                .put("messageFiles", s.bodies())
                .put("linked", s.linked())
                .put("bytes", s.bytes())
                .put("badmailItems", s.badmail()));
    }

    private static Path absolute(String s, String field) throws AdminError {
        try {
            Path path = Path.of(s);
            if (!path.isAbsolute()) {
                throw AdminError.badInput("\"" + field + "\" must be an absolute path");
            }
            return path.normalize();
        } catch (InvalidPathException e) {
            throw AdminError.badInput("\"" + field + "\" is not a path");
        }
    }
}
