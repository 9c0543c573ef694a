package org.postkontor.admin.web;

/** What a web page answers; {@link WebAdmin} writes it with the security headers every answer gets. */
sealed interface Answer {

    /** A rendered page. */
    record Html(int status, String body) implements Answer {}

    /** 303 See Other: after a form, to a page (Post/Redirect/Get). */
    record Redirect(String location) implements Answer {}

    /** A file to save, e.g. the Apple profile (a null name: a static file shown inline). */
    record Download(String contentType, String fileName, byte[] body) implements Answer {}

    /** {@code answer}, setting the cookie of {@code session} (after a sign-in, or for the sign-in form's token). */
    record WithCookie(Sessions.Session session, Answer answer) implements Answer {}
}
