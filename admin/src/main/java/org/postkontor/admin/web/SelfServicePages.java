package org.postkontor.admin.web;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import org.postkontor.admin.api.ClientSetup;
import org.postkontor.admin.autoconfig.AppleProfile;
import org.postkontor.store.MailAddress;
import org.postkontor.store.StoreException;

/**
 * The self-service pages of a signed-in mail user ({@code web.user-pages}): the settings to type
 * into a mail client, the Apple profile, and a password change, which needs the current password
 * (checked, and counted on failure, as a login) and follows the admin API's rules, as
 * {@code postkontor admin user passwd} does.
 */
final class SelfServicePages {

    private final ApiCalls api;
    private final Views views;
    private final WebLogin login;
    private final ClientSetup clients;

    SelfServicePages(ApiCalls api, Views views, WebLogin login, ClientSetup clients) {
        this.api = api;
        this.views = views;
        this.login = login;
        this.clients = clients;
    }

    Optional<Answer> handle(WebRequest r, Sessions.Session s) throws StoreException {
        boolean get = !r.method().equals("POST"); // GET or HEAD
        return Optional.ofNullable(switch (r.path()) {
            case "/me" -> get ? views.render("me", Views.page("Your mailbox", "me", s), "clients", clients) : null;
            case "/me/apple.mobileconfig" -> get ? new Answer.Download(AppleProfile.CONTENT_TYPE, "mail.mobileconfig",
                    AppleProfile.plist(MailAddress.parse(s.name), clients)) : null;
            case "/me/password" -> get ? null : password(r, s);
            default -> null;
        });
    }

    private Answer password(WebRequest r, Sessions.Session s) throws StoreException {
        char[] next = r.raw("password").toCharArray();
        char[] again = r.raw("again").toCharArray();
        try {
            if (!Arrays.equals(next, again)) {
                return Views.failed(s, "/me", "The two new passwords differ.");
            }
            WebLogin.Outcome current = login.mailUser(r.clientIp(), s.name, r.raw("current").toCharArray());
            if (current.result() != WebLogin.Result.OK) {
                return Views.failed(s, "/me", "The current password is wrong.");
            }
            api.call("PUT", "users/" + AccountPages.encode(s.name) + "/password", Map.of(),
                    api.object().put("password", new String(next)));
            return Views.done(s, "/me", "Password changed. Use the new one in your mail program too.");
        } catch (ApiCalls.Failed e) {
            return Views.failed(s, "/me", e.getMessage());
        } finally {
            Arrays.fill(next, '\0');
            Arrays.fill(again, '\0');
        }
    }
}
