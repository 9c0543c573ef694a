-- Postkontor index, version 2: a log of body files to delete. Never edit once merged.
-- An expunge that removes the last entry of a message deletes its messages row and inserts the
-- body's path here in the same transaction; the file is deleted after the commit and the row
-- removed after that. Startup reconciliation finishes what a crash cut off, and so tells a body
-- the user deleted from one that was never acknowledged (no row anywhere: quarantined).
CREATE TABLE body_deletions (
    path  VARCHAR(255) PRIMARY KEY                       -- relative to the spool directory
);
