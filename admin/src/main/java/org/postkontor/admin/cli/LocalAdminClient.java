package org.postkontor.admin.cli;

import java.io.InputStream;
import java.util.Map;
import org.postkontor.admin.api.AdminApi;
import org.postkontor.store.Store;

/** The admin operations in-process on a store this CLI opened (the appliance is stopped). */
final class LocalAdminClient implements AdminClient {

    private final Store store;
    private final AdminApi api;

    LocalAdminClient(Store store, AdminApi api) {
        this.store = store;
        this.api = api;
    }

    @Override
    public AdminApi.Reply call(String method, String path, Map<String, String> query, InputStream body) {
        return api.handle(new AdminApi.Request(method, path, query, body));
    }

    @Override
    public String mode() {
        return "offline";
    }

    @Override
    public void close() {
        store.close();
    }
}
