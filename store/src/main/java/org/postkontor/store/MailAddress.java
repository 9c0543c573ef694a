package org.postkontor.store;

import java.util.Locale;

/**
 * A normalized mail address: domain lower-cased without a trailing dot; local part lower-cased
 * (mail admins expect {@code Alice@Example.TEST.} and {@code alice@example.test} to be one
 * mailbox). Quoted local parts, source routes, IP literals and {@code %} or {@code !} routing
 * are refused: this appliance hosts plain addresses only.
 */
public record MailAddress(String localPart, String domain) {

    /** RFC 5321 §4.5.3.1.1 and §4.5.3.1.2. */
    public static final int MAX_LOCAL_PART = 64;
    public static final int MAX_DOMAIN = 255;

    public MailAddress {
        if (localPart == null || localPart.isEmpty() || localPart.length() > MAX_LOCAL_PART) {
            throw new IllegalArgumentException("local part must be 1 to " + MAX_LOCAL_PART + " characters");
        }
        if (domain == null || domain.isEmpty() || domain.length() > MAX_DOMAIN) {
            throw new IllegalArgumentException("domain must be 1 to " + MAX_DOMAIN + " characters");
        }
        localPart = localPart.toLowerCase(Locale.ROOT);
        domain = normalizeDomain(domain);
        if (!isDotAtom(localPart)) {
            throw new IllegalArgumentException("local part has characters this server does not accept");
        }
        if (!isDomainName(domain)) {
            throw new IllegalArgumentException("not a domain name");
        }
    }

    /** Parses {@code local@domain}; throws {@link IllegalArgumentException} for anything else. */
    public static MailAddress parse(String address) {
        if (address == null) {
            throw new IllegalArgumentException("no address");
        }
        int at = address.lastIndexOf('@');
        if (at <= 0 || at == address.length() - 1 || address.indexOf('@') != at) {
            throw new IllegalArgumentException("address must be local@domain");
        }
        return new MailAddress(address.substring(0, at), address.substring(at + 1));
    }

    /** Lower-cases and strips one trailing dot; does not validate. */
    public static String normalizeDomain(String domain) {
        String d = domain.toLowerCase(Locale.ROOT);
        return d.endsWith(".") ? d.substring(0, d.length() - 1) : d;
    }

    private static boolean isDotAtom(String s) {
        if (s.startsWith(".") || s.endsWith(".") || s.contains("..")) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.'
                    || "!#$&'*+-/=?^_`{|}~".indexOf(c) >= 0 || c > 0x7f;
            if (!ok || c == '!' || Character.isISOControl(c) || Character.isWhitespace(c)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isDomainName(String d) {
        if (d.startsWith("[") || d.startsWith(".") || d.contains("..")) {
            return false;
        }
        for (String label : d.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63 || label.startsWith("-") || label.endsWith("-")) {
                return false;
            }
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c > 0x7f)) {
                    return false;
                }
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return localPart + "@" + domain;
    }
}
