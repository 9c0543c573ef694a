package org.postkontor.admin.web;

/**
 * What every page's layout shows: its title and section (the navigation's current item), the CSRF
 * token its forms carry, a one-shot message, who is signed in, and which navigation to show.
 * Public for the templates, which are compiled into their own package.
 *
 * @param section    {@code dashboard}, {@code domains}, {@code users}, {@code aliases}, {@code badmail},
 *                   {@code me}, or empty on the login pages
 * @param csrf       the session's token, for every form; empty where there is no form
 * @param message    a confirmation or an error, or null
 * @param who        the signed-in admin or mail user, or null
 * @param adminNav   show the admin navigation (else the self-service one, or none)
 */
public record Page(String title, String section, String csrf, String message, boolean error, String who,
                   boolean adminNav) {

    public boolean signedIn() {
        return who != null;
    }
}
