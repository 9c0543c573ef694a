package org.postkontor.admin.cli;

import java.io.InputStream;
import java.util.Map;
import org.postkontor.admin.api.AdminApi;
import org.postkontor.admin.api.AdminError;

/**
 * How the CLI reaches the admin operations: over the appliance's admin HTTP API when it runs
 * ({@link HttpAdminClient}), or in-process on the store when it is stopped ({@link LocalAdminClient}).
 * Both answer with {@link AdminApi} replies. One CLI invocation uses one client, then closes it.
 */
interface AdminClient extends AutoCloseable {

    /** @param body request body (JSON or a raw message), read to its end; may be empty */
    AdminApi.Reply call(String method, String path, Map<String, String> query, InputStream body) throws AdminError;

    /** {@code running} (API) or {@code offline} (store opened directly), for messages. */
    String mode();

    @Override
    void close();
}
