package io.nuscape.core.event;

import java.util.List;
import java.util.Optional;

/**
 * A request body that is well-formed as a whole: its optional {@code batch_id}, the events that passed
 * validation, and the rejected ones with their reasons and their raw JSON (kept for the dead-letter record).
 */
public record ParsedBatch(Optional<String> batchId, List<UsageEvent> accepted, List<Rejection> rejected, List<String> rejectedRaw) {

    public int total() {
        return accepted.size() + rejected.size();
    }
}
