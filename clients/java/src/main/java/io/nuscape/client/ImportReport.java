package io.nuscape.client;

/**
 * What an import of another tracker's data did. Re-importing the same source adds nothing: its events have ids
 * derived from the source, so they count as {@code alreadyImported}.
 *
 * @param sourceEvents     events read from the source (every bucket)
 * @param queued           NuScape events added to the queue now
 * @param alreadyImported  NuScape events an earlier import had added (nothing is counted twice)
 * @param deferred         NuScape events left out because the queue was full: upload, then import again
 * @param skippedTooOld    pieces older than the server's window (30 days) or too far in the future
 * @param skippedOther     source events that make no NuScape event (no app, not a web page, incognito, no duration)
 * @param afkExcludedMs    time removed from app and web events because the person was away
 */
public record ImportReport(long sourceEvents, long queued, long alreadyImported, long deferred, long skippedTooOld,
                           long skippedOther, long afkExcludedMs) {
}
