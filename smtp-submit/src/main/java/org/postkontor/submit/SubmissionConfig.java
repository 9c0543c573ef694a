package org.postkontor.submit;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of authenticated submission, validated once; immutable.
 *
 * @param hostname            this server's name in the Received header and in added Message-IDs
 * @param messagesPerHour     messages one user may submit in any hour (a stolen password cannot
 *                            ruin the box's reputation); more get 451 4.7.1
 * @param recipientsPerHour   recipients one user may address in any hour; more get 451 4.7.1
 * @param failedLoginDelay    a failed AUTH waits this long before its reply (as POP3's)
 */
public record SubmissionConfig(String hostname, int messagesPerHour, int recipientsPerHour,
                               Duration failedLoginDelay) {

    public static final int DEFAULT_MESSAGES_PER_HOUR = 500;
    public static final int DEFAULT_RECIPIENTS_PER_HOUR = 2000;

    public SubmissionConfig {
        Objects.requireNonNull(hostname, "hostname");
        Objects.requireNonNull(failedLoginDelay, "failedLoginDelay");
        if (messagesPerHour < 1 || recipientsPerHour < 1) {
            throw new IllegalArgumentException("submission.max-messages-per-hour and -recipients-per-hour must be >= 1");
        }
        if (failedLoginDelay.isNegative()) {
            throw new IllegalArgumentException("the failed login delay must be >= 0");
        }
    }
}
