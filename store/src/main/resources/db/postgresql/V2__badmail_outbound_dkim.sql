-- Postkontor on PostgreSQL, version 2: badmail, the outbound queue and the DKIM keys, so that the
-- database holds everything and every node sees the same. Never edit once merged.
-- Their message bytes are bodies rows (V1) like mailbox entries': a body is deleted once no entry,
-- badmail item or queued message refers to it.

CREATE TABLE badmail (
    id              VARCHAR(40) PRIMARY KEY,           -- yyyyMMddTHHmmss- + 10 random base-32 characters
    sender          VARCHAR(1000) NOT NULL,
    recipients      TEXT[] NOT NULL,
    client_address  VARCHAR(100) NOT NULL,
    helo            VARCHAR(255) NOT NULL,
    received        TIMESTAMP WITH TIME ZONE NOT NULL,
    kind            VARCHAR(40) NOT NULL,
    code            INTEGER NOT NULL,
    enhanced        VARCHAR(16) NOT NULL,
    text            VARCHAR(1000) NOT NULL,
    reason_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    octets          BIGINT NOT NULL,                   -- the original as given, not normalized
    body_id         BIGINT NOT NULL REFERENCES bodies (id)
);
CREATE INDEX badmail_received ON badmail (received, id);

CREATE TABLE outbound (
    id        VARCHAR(70) PRIMARY KEY,                 -- the queue id
    sender    VARCHAR(1000) NOT NULL,                  -- empty for the null sender <>
    arrived   TIMESTAMP WITH TIME ZONE NOT NULL,
    octets    BIGINT NOT NULL,
    warned    BOOLEAN NOT NULL DEFAULT FALSE,          -- the sender was told of the delay
    body_id   BIGINT NOT NULL REFERENCES bodies (id)
);

CREATE TABLE outbound_recipients (
    message       VARCHAR(70) NOT NULL REFERENCES outbound (id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    address       VARCHAR(1000) NOT NULL,
    state         VARCHAR(10) NOT NULL,                -- PENDING | DELIVERED | FAILED
    attempts      INTEGER NOT NULL,
    next_attempt  TIMESTAMP WITH TIME ZONE NOT NULL,
    last_reply    TEXT NOT NULL,
    PRIMARY KEY (message, position)
);

CREATE TABLE dkim_keys (
    domain       VARCHAR(255) NOT NULL,
    selector     VARCHAR(63) NOT NULL,
    algorithm    VARCHAR(20) NOT NULL,                 -- rsa-sha256 | ed25519-sha256
    private_key  BYTEA NOT NULL,                       -- PKCS#8 DER
    public_key   BYTEA NOT NULL,                       -- X.509 SubjectPublicKeyInfo DER
    created      TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (domain, selector)
);
