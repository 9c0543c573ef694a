package org.postkontor.admin.web;

import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The templates ({@code admin/src/main/jte}, compiled to Java by jte's Maven plugin, HTML-escaped
 * by context) and the redirects after a form, with the one-shot message the next page shows.
 */
final class Views {

    private final TemplateEngine engine = TemplateEngine.createPrecompiled(null, ContentType.Html,
            Views.class.getClassLoader(), "org.postkontor.admin.web.jte");

    /** Renders {@code template} ({@code dashboard}, ...) with the page and the named values, in pairs. */
    Answer.Html render(int status, String template, Page page, Object... namesAndValues) {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("page", page);
        for (int i = 0; i < namesAndValues.length; i += 2) {
            params.put((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        StringOutput out = new StringOutput();
        engine.render(template + ".jte", params, out);
        return new Answer.Html(status, out.toString());
    }

    Answer.Html render(String template, Page page, Object... namesAndValues) {
        return render(200, template, page, namesAndValues);
    }

    /** The layout's values for a signed-in page; takes the session's one-shot message. */
    static Page page(String title, String section, Sessions.Session s) {
        Sessions.Flash f = s.takeFlash();
        return new Page(title, section, s.csrf, f == null ? null : f.text(), f != null && f.error(),
                s.kind == Sessions.Kind.ANONYMOUS ? null : s.name, s.kind == Sessions.Kind.ADMIN);
    }

    /** After a form that worked: to {@code location}, saying {@code message}. */
    static Answer done(Sessions.Session s, String location, String message) {
        s.flash = new Sessions.Flash(false, message);
        return new Answer.Redirect(location);
    }

    /** After a form that did not: back to {@code location}, saying why. */
    static Answer failed(Sessions.Session s, String location, String why) {
        s.flash = new Sessions.Flash(true, why);
        return new Answer.Redirect(location);
    }
}
