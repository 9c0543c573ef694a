package org.postkontor.store;

/**
 * A user as the admin sees it.
 *
 * @param quotaBytes    0 means no limit
 * @param quotaMessages 0 means no limit
 */
public record Account(MailAddress address, boolean enabled, long quotaBytes, long quotaMessages,
                      long messages, long octets, String passwordScheme) {}
