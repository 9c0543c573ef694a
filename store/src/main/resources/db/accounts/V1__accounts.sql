-- Postkontor accounts, version 1. Never edit once merged: add V2__... instead (a PostgreSQL store
-- keeps its migration history; the embedded store's in-memory H2 runs them all at every start).
-- Keys are the natural ones (a domain's name, a user's address, an alias's address and target),
-- so that the embedded store's journal can name every row by its key (AccountsJournal) and the
-- same schema serves PostgreSQL. Portable SQL: types both H2 and PostgreSQL know.

CREATE TABLE domains (
    name        VARCHAR(255) PRIMARY KEY,                -- normalized: lower case, no trailing dot
    policy      VARCHAR(100) NOT NULL DEFAULT 'reject',  -- RecipientPolicy.text(): reject | catch-all:<local> | badmail
    created_at  TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE TABLE users (
    address           VARCHAR(320) PRIMARY KEY,          -- local_part@domain, the mailbox key
    domain            VARCHAR(255) NOT NULL REFERENCES domains (name),
    local_part        VARCHAR(64) NOT NULL,              -- normalized: lower case
    password_hash     VARCHAR(1000) NOT NULL,            -- {SCHEME}data, Dovecot notation
    scram_salt        BYTEA,
    scram_iterations  INTEGER,
    scram_stored_key  BYTEA,
    scram_server_key  BYTEA,
    quota_bytes       BIGINT NOT NULL DEFAULT 0,         -- 0 = no limit
    quota_messages    BIGINT NOT NULL DEFAULT 0,         -- 0 = no limit
    enabled           BOOLEAN NOT NULL DEFAULT TRUE,
    created_at        TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX users_domain ON users (domain);

-- One row per (alias address, target user); position keeps the targets in the order given.
-- A domain's catch-all is its policy, not an alias row.
CREATE TABLE aliases (
    address   VARCHAR(320) NOT NULL,
    target    VARCHAR(320) NOT NULL,                     -- a user's address; may dangle after the user is removed
    domain    VARCHAR(255) NOT NULL REFERENCES domains (name),
    position  INTEGER NOT NULL,
    PRIMARY KEY (address, target)
);
CREATE INDEX aliases_domain ON aliases (domain);
