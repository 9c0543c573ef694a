package org.postkontor.store;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * What {@link Store#backup} wrote.
 *
 * @param directory the backup's directory
 * @param started   when it began: every message acknowledged and every admin change made before
 *                  this instant is in it
 * @param took      how long it ran
 * @param bodies    message files in it (each stored once, whatever its recipients)
 * @param linked    of those, how many were hard-linked from the previous backup instead of copied
 * @param bytes     bytes of message files
 * @param badmail   badmail items in it
 */
public record BackupSummary(Path directory, Instant started, Duration took, int bodies, int linked, long bytes,
                            int badmail) {}
