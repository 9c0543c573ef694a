-- Postkontor accounts, version 2: the people who log in to the web admin page. Never edit once
-- merged. Not mail users: a web user has no mailbox, and a mail user is not an admin.

CREATE TABLE web_users (
    name           VARCHAR(64) PRIMARY KEY,              -- normalized: lower case
    password_hash  VARCHAR(1000) NOT NULL,               -- {SCHEME}data, Dovecot notation (Argon2id)
    created_at     TIMESTAMP WITH TIME ZONE NOT NULL
);
