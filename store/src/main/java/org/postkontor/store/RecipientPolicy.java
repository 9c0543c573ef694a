package org.postkontor.store;

/** What a hosted domain does with mail for a local part it does not know. */
public sealed interface RecipientPolicy {

    /** 550 5.1.1 at RCPT time: the default. */
    record Reject() implements RecipientPolicy {}

    /** Deliver to this domain's mailbox with the given local part. */
    record CatchAll(String localPart) implements RecipientPolicy {
        public CatchAll {
            if (localPart == null || localPart.isBlank()) {
                throw new IllegalArgumentException("catch-all needs a local part");
            }
        }
    }

    /** Accept, and put the message in the badmail queue. */
    record Badmail() implements RecipientPolicy {}

    /** Text form used by the CLI and the index: {@code reject}, {@code catch-all:<user>}, {@code badmail}. */
    default String text() {
        return switch (this) {
            case Reject r -> "reject";
            case CatchAll c -> "catch-all:" + c.localPart();
            case Badmail b -> "badmail";
        };
    }

    static RecipientPolicy parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("policy must be reject, catch-all:<user> or badmail");
        }
        if (text.equals("reject")) {
            return new Reject();
        }
        if (text.equals("badmail")) {
            return new Badmail();
        }
        if (text.startsWith("catch-all:")) {
            return new CatchAll(text.substring("catch-all:".length()));
        }
        throw new IllegalArgumentException("policy must be reject, catch-all:<user> or badmail");
    }
}
