-- Postkontor mail on PostgreSQL, version 1. Never edit once merged: add V2__... instead.
-- The database is the record of truth: a message is its body row with its chunks and one entry per
-- mailbox that took it, all inserted by one transaction; the commit is the delivery.

-- One row per stored message, whatever the number of mailboxes that took it.
CREATE TABLE bodies (
    id        BIGSERIAL PRIMARY KEY,
    queue_id  VARCHAR(70) NOT NULL,                    -- as in logs and trace headers
    octets    BIGINT NOT NULL,                         -- CRLF line ends, without Delivered-To
    arrived   TIMESTAMP WITH TIME ZONE NOT NULL
);

-- The message bytes in pieces of up to 256 KiB, read one by one while POP3 sends them.
CREATE TABLE body_chunks (
    body_id  BIGINT NOT NULL REFERENCES bodies (id) ON DELETE CASCADE,
    seq      INTEGER NOT NULL,
    data     BYTEA NOT NULL,
    PRIMARY KEY (body_id, seq)
);
-- out of line and not compressed: compressing costs the delivery CPU for little (mail is mostly
-- base64 and compressed images already)
ALTER TABLE body_chunks ALTER COLUMN data SET STORAGE EXTERNAL;

-- One row per message in a mailbox: what POP3 lists. UIDLs are unique in their mailbox.
CREATE TABLE entries (
    id       BIGSERIAL PRIMARY KEY,
    mailbox  VARCHAR(320) NOT NULL,
    uidl     VARCHAR(70) NOT NULL,
    body_id  BIGINT NOT NULL REFERENCES bodies (id),
    octets   BIGINT NOT NULL,                          -- as POP3 counts it, Delivered-To line included
    arrived  TIMESTAMP WITH TIME ZONE NOT NULL,
    UNIQUE (mailbox, uidl)
);
CREATE INDEX entries_mailbox ON entries (mailbox, id);
CREATE INDEX entries_body ON entries (body_id);

-- Each mailbox's totals, kept by the transactions that add and remove its entries. A delivery locks
-- the row (SELECT ... FOR UPDATE) to check the quota, so quotas hold across nodes.
CREATE TABLE mailbox_usage (
    mailbox   VARCHAR(320) PRIMARY KEY,
    messages  BIGINT NOT NULL,
    octets    BIGINT NOT NULL
);
