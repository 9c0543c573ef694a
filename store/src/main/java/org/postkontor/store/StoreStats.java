package org.postkontor.store;

/**
 * Totals for status and gauges. {@code *FreeBytes} are the usable bytes of each directory's
 * volume.
 */
public record StoreStats(long messages, long entries, long octets, long spoolFreeBytes,
                         long indexFreeBytes, long badmailFreeBytes, long indexSizeBytes) {}
