package org.postkontor.admin.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import org.postkontor.store.StoreException;

/**
 * The operations on one resource of the admin API, {@code /api/v1/<resource>...}. {@link AdminApi}
 * picks the routes by the first path segment and calls {@link #handle} once per request; it maps
 * every exception to an error reply. Implementations are records of what they use (the store's
 * administration, the badmail queue, the JSON mapper), thread-safe, and hold no request state.
 */
@FunctionalInterface
interface Routes {

    /**
     * @param method the HTTP method in upper case
     * @param path   the path after {@code /api/v1/}, split at {@code /}; {@code path[0]} is the resource
     * @throws AdminError no such operation ({@link ApiInput#noRoute}), or one that cannot be done
     */
    AdminApi.Reply handle(AdminApi.Request r, String method, String[] path)
            throws AdminError, StoreException, IOException;

    static AdminApi.JsonReply ok(JsonNode n) {
        return new AdminApi.JsonReply(200, n);
    }

    static AdminApi.JsonReply created(JsonNode n) {
        return new AdminApi.JsonReply(201, n);
    }
}
