package io.nuscape.core.queue;

import java.util.Optional;
import java.util.UUID;

/**
 * What ingest asks the queue to do for one request, atomically: check the device is not revoked, answer a
 * repeated {@code batchId} from its first answer, check backlog and rate limit, then append the accepted
 * events as one entry, record the rejected ones in the dead-letter stream and remember the answer.
 *
 * @param cost          units charged to the account's rate limit: per accepted event one per started minute of
 *                      its duration ({@code Rollups.rateUnitsOf}), per rejected event one
 * @param encodedEvents accepted events in {@code EventCodec} form (UTF-8 JSON); empty when none were accepted
 * @param deadLetter    JSON of the rejected events with reasons; empty when none were rejected
 * @param answer        the 202 body, stored for duplicates of this batch
 * @param validatedAt   the instant (epoch ms) the events' time bounds were checked against; stored with
 *                      the entry as its receive time so that the drainer re-checks against the same one
 */
public record EnqueueRequest(
        UUID accountId,
        UUID deviceId,
        long tokenGeneration,
        Optional<String> batchId,
        int acceptedCount,
        int rejectedCount,
        int cost,
        byte[] encodedEvents,
        String deadLetter,
        String answer,
        long validatedAt) {
}
