package io.nuscape.client.internal;

/** A batch as formed once and stored: its id, its events' count and the gzipped request body every attempt sends. */
public record Batch(String batchId, int eventCount, byte[] gzippedBody, int attempts) {
}
