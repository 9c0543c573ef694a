package org.postkontor.admin.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.postkontor.store.Account;
import org.postkontor.store.Administration;
import org.postkontor.store.Administration.ImportedUser;
import org.postkontor.store.MailAddress;
import org.postkontor.store.StoreException;
import org.postkontor.store.password.Argon2idPasswordHasher;

/** {@code /api/v1/users...}: list, add, import (passwd-file hashes), show, remove, password, enabled, quota. */
record UserRoutes(Administration admin, ObjectMapper json) implements Routes {

    @Override
    public AdminApi.Reply handle(AdminApi.Request r, String m, String[] p)
            throws AdminError, StoreException, IOException {
        if (p.length == 1 && m.equals("GET")) {
            ArrayNode a = json.createArrayNode();
            Optional<String> domain = Optional.ofNullable(r.query().get("domain")).map(ApiInput::domain);
            if (domain.isPresent()) {
                DomainRoutes.requireHosted(admin, domain.get(), "");
            }
            for (Account acc : admin.users(domain)) {
                a.add(accountJson(acc));
            }
            return Routes.ok(a);
        }
        if (p.length == 1 && m.equals("POST")) {
            JsonNode b = ApiInput.body(json, r);
            MailAddress user = ApiInput.address(ApiInput.text(b, "address"));
            char[] pw = ApiInput.password(b);
            PasswordPolicy.check(user, pw);
            DomainRoutes.requireHosted(admin, user.domain(), "");
            admin.addUser(user, pw, ApiInput.quota(b));
            Arrays.fill(pw, '\0');
            return Routes.created(accountJson(admin.user(user)
                    .orElseThrow(() -> AdminError.notFound("user vanished"))));
        }
        if (p.length == 2 && p[1].equals("import") && m.equals("POST")) {
            return Routes.created(json.createObjectNode().put("imported", importUsers(r)));
        }
        if (p.length >= 2) {
            MailAddress user = ApiInput.address(p[1]);
            if (p.length == 2 && m.equals("GET")) {
                return Routes.ok(account(user));
            }
            if (p.length == 2 && m.equals("DELETE")) {
                String mail = r.query().get("mail");
                if (!"keep".equals(mail) && !"delete".equals(mail)) {
                    throw AdminError.badInput("say what happens to the mail: mail=keep or mail=delete");
                }
                admin.removeUser(user, mail.equals("delete"));
                return Routes.ok(json.createObjectNode().put("removed", user.toString()).put("mail", mail));
            }
            if (p.length == 3 && m.equals("PUT")) {
                change(user, p[2], ApiInput.body(json, r), r);
                return Routes.ok(account(user));
            }
        }
        throw ApiInput.noRoute(r);
    }

    /** {@code {"users": [{"address", "hash", "line"}...]}}: all or nothing; returns how many. */
    private int importUsers(AdminApi.Request r) throws AdminError, StoreException, IOException {
        JsonNode list = ApiInput.body(json, r).get("users");
        if (list == null || !list.isArray()) {
            throw AdminError.badInput("expected {\"users\": [...]}");
        }
        List<ImportedUser> users = new ArrayList<>();
        for (JsonNode u : list) {
            MailAddress a = ApiInput.address(ApiInput.text(u, "address"));
            String hash = ApiInput.text(u, "hash");
            int line = u.path("line").asInt(users.size() + 1);
            Optional<String> problem = Argon2idPasswordHasher.problem(hash);
            if (problem.isPresent()) {
                throw AdminError.badInput("line " + line + ": user " + a + ": " + problem.get());
            }
            users.add(new ImportedUser(a, hash, line));
        }
        for (ImportedUser u : users) {
            DomainRoutes.requireHosted(admin, u.address().domain(), "line " + u.sourceLine() + ": ");
        }
        admin.importUsers(users);
        return users.size();
    }

    /** {@code PUT /users/ADDRESS/password|enabled|quota}. */
    private void change(MailAddress user, String what, JsonNode b, AdminApi.Request r)
            throws AdminError, StoreException {
        switch (what) {
            case "password" -> {
                char[] pw = ApiInput.password(b);
                PasswordPolicy.check(user, pw);
                admin.setPassword(user, pw);
                Arrays.fill(pw, '\0');
            }
            case "enabled" -> {
                JsonNode e = b.get("enabled");
                if (e == null || !e.isBoolean()) {
                    throw AdminError.badInput("expected {\"enabled\": true|false}");
                }
                admin.setEnabled(user, e.asBoolean());
            }
            case "quota" -> admin.setQuota(user, ApiInput.quota(b));
            default -> throw ApiInput.noRoute(r);
        }
    }

    private ObjectNode account(MailAddress user) throws AdminError, StoreException {
        return accountJson(admin.user(user).orElseThrow(() -> AdminError.notFound("no user " + user)));
    }

    private ObjectNode accountJson(Account a) {
        return json.createObjectNode().put("address", a.address().toString()).put("enabled", a.enabled())
                .put("messages", a.messages()).put("octets", a.octets()).put("quotaBytes", a.quotaBytes())
                .put("quotaMessages", a.quotaMessages()).put("scheme", a.passwordScheme());
    }
}
