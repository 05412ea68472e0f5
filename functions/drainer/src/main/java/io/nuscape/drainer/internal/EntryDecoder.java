package io.nuscape.drainer.internal;

import io.nuscape.core.auth.Uuids;
import io.nuscape.core.event.EventCodec;
import io.nuscape.core.event.EventRules;
import io.nuscape.core.event.MalformedBatchException;
import io.nuscape.core.event.UsageEvent;
import io.nuscape.core.limit.QuotaCrossing;
import io.nuscape.core.rollup.DrainEvent;
import io.nuscape.core.stream.StreamEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Reads a stream entry written by ingest ({@code v=1}) and re-validates every event against the time the
 * entry was received: the stream may hold entries of an older ingest version, or of a writer with bugs.
 */
public final class EntryDecoder {
    private EntryDecoder() {
    }

    /** A decoded entry: its valid events, and the invalid ones with their reasons (same order). */
    public record Decoded(UUID account, UUID device, String batchId, List<DrainEvent> valid, List<UsageEvent> invalid,
                          List<String> reasons, Optional<QuotaCrossing> quota) {
    }

    /** Throws when the entry as a whole cannot be read: such an entry can never be drained. */
    public static Decoded decode(StreamEntry entry) throws MalformedBatchException {
        String version = entry.text("v");
        if (!"1".equals(version)) {
            throw new MalformedBatchException("unknown entry version '" + version + "'");
        }
        UUID account = uuid(entry, "acct");
        UUID device = uuid(entry, "dev");
        long received;
        try {
            received = Long.parseLong(String.valueOf(entry.text("recv")));
        } catch (NumberFormatException e) {
            throw new MalformedBatchException("entry recv is not epoch milliseconds");
        }
        long generation;
        try {
            generation = entry.text("gen") == null ? 0 : Long.parseLong(entry.text("gen"));
        } catch (NumberFormatException e) {
            throw new MalformedBatchException("entry gen is not a number");
        }
        byte[] events = entry.fields().get("events");
        if (events == null) {
            throw new MalformedBatchException("entry has no events field");
        }
        List<UsageEvent> decoded = EventCodec.decode(events);
        List<DrainEvent> valid = new ArrayList<>(decoded.size());
        List<UsageEvent> invalid = new ArrayList<>(0);
        List<String> reasons = new ArrayList<>(0);
        for (UsageEvent e : decoded) {
            var problem = EventRules.check(e, received);
            if (problem.isPresent()) {
                invalid.add(e);
                reasons.add(e.eventId() + ": " + problem.get());
            } else {
                valid.add(new DrainEvent(account, device, received, generation, e));
            }
        }
        // A quota note ingest did not write in its form is left out: it must not cost the entry's events.
        return new Decoded(account, device, entry.text("batch"), valid, invalid, reasons, QuotaCrossing.parse(account, entry.text("quota")));
    }

    private static UUID uuid(StreamEntry entry, String field) throws MalformedBatchException {
        String v = entry.text(field);
        if (v == null || !Uuids.isCanonical(v)) {
            throw new MalformedBatchException("entry " + field + " is not a UUID");
        }
        return UUID.fromString(v);
    }
}
