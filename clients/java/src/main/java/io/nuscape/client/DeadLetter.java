package io.nuscape.client;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/**
 * An event the server refused, kept on the device with the server's answer: alone (a 202 that listed it in
 * {@code rejected}, e.g. a timestamp outside the server's window) or with its whole batch (a 4xx).
 *
 * @param status the HTTP status of the answer (202 for a per-event rejection)
 * @param error  the contract's error code, or {@code rejected} for a per-event rejection
 * @param reason the server's reason for the event, or its whole answer for a refused batch
 */
public record DeadLetter(UUID eventId, Instant start, String kind, String key, Duration duration, String batchId, int status,
                         String error, String reason, Instant deadAt) {
}
