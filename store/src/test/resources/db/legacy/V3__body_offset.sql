-- Postkontor index, version 3: body files are self-describing. Never edit once merged.
-- A body file now starts with a header record (magic line, queue id, arrival, one "entry:
-- <mailbox> <uidl>" line per mailbox, blank line) before the message bytes, so that startup
-- reconciliation can re-index a body whose rows the index lost. body_offset is that header's
-- length: readers skip it. Bodies written before version 3 have no header (offset 0).
ALTER TABLE messages ADD COLUMN body_offset BIGINT DEFAULT 0 NOT NULL;
