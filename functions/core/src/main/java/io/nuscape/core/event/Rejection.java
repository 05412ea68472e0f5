package io.nuscape.core.event;

/** An event of a batch that failed validation: its index in {@code events}, its id if it had one, and why. */
public record Rejection(int index, String eventId, String reason) {
}
