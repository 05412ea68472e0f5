package io.nuscape.ingest;

import static io.nuscape.ingest.IngestFixture.batch;
import static io.nuscape.ingest.IngestFixture.events;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import io.nuscape.core.auth.Scope;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Rate limit per account and backlog cap: 429 / 503 with Retry-After, nothing queued, nothing trimmed. */
class IngestLimitsTest {

    @Test
    void theAccountRateLimitAnswers429WithRetryAfterAndPolicyOverridesTheDefault() {
        try (IngestFixture f = new IngestFixture("rate", Map.of("NUSCAPE_RATE_LIMIT_DEFAULT_PER_MINUTE", "100"))) {
            UUID account = UUID.randomUUID();
            String token = f.token(account, UUID.randomUUID(), Set.of(Scope.INGEST), 0);
            for (int i = 0; i < 2; i++) {
                assertEquals(202, f.post(token, batch(UUID.randomUUID(), events(50))).getStatusCode());
            }
            int entries = f.streamEntries().size();
            APIGatewayV2HTTPResponse limited = f.post(token, batch(UUID.randomUUID(), events(50)));
            IngestContractTestSupport.assertError(limited, 429, "rate_limited", "rate limit");
            long retryAfter = Long.parseLong(limited.getHeaders().get("Retry-After"));
            assertTrue(retryAfter >= 1 && retryAfter <= 60, "Retry-After " + retryAfter);
            assertEquals(entries, f.streamEntries().size());

            // Another account has its own bucket.
            assertEquals(202, f.post(f.token(UUID.randomUUID(), UUID.randomUUID(), Set.of(Scope.INGEST), 0),
                    batch(UUID.randomUUID(), events(50))).getStatusCode());

            // The control plane raises this account's limit; ingest sees it at once.
            f.control.setIngestLimits(new io.nuscape.core.control.AccountIngestLimits(account, 1_000_000L, null, null));
            assertEquals(202, f.post(token, batch(UUID.randomUUID(), events(50))).getStatusCode());
            // A limit of 0 blocks the account.
            f.control.setIngestLimits(new io.nuscape.core.control.AccountIngestLimits(account, 0L, null, null));
            IngestContractTestSupport.assertError(f.post(token, batch(UUID.randomUUID(), events(1))), 429, "rate_limited", "");
        }
    }

    /** A hard monthly quota: the batch that reaches it is taken, then 429 quota_exceeded until the UTC month ends. */
    @Test
    void aHardQuotaAnswers429QuotaExceededWithRetryAfterUntilTheMonthEnds() {
        try (IngestFixture f = new IngestFixture("quota", Map.of())) {
            UUID account = UUID.randomUUID();
            String token = f.token(account, UUID.randomUUID(), Set.of(Scope.INGEST), 0);
            f.control.setIngestLimits(new io.nuscape.core.control.AccountIngestLimits(account, null, 60L,
                    io.nuscape.core.control.QuotaMode.HARD));
            assertEquals(202, f.post(token, batch(UUID.randomUUID(), events(50))).getStatusCode(), "50 of 60");
            assertEquals(202, f.post(token, batch(UUID.randomUUID(), events(50))).getStatusCode(), "under the quota when sent: taken whole");
            int entries = f.streamEntries().size();
            APIGatewayV2HTTPResponse refused = f.post(token, batch(UUID.randomUUID(), events(1)));
            IngestContractTestSupport.assertError(refused, 429, "quota_exceeded", "monthly event quota");
            long retryAfter = Long.parseLong(refused.getHeaders().get("Retry-After"));
            java.time.ZonedDateTime now = java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC);
            long untilMonthEnds = java.time.Duration.between(now, now.toLocalDate().withDayOfMonth(1).plusMonths(1)
                    .atStartOfDay(java.time.ZoneOffset.UTC)).toSeconds();
            assertTrue(Math.abs(retryAfter - untilMonthEnds) <= 5, "Retry-After " + retryAfter + " vs " + untilMonthEnds + " s to the month's end");
            assertEquals(entries, f.streamEntries().size(), "nothing queued: the entry that reached the quota carried its alert");
            // A soft quota refuses nothing; another account is not held to this one's quota.
            f.control.setIngestLimits(new io.nuscape.core.control.AccountIngestLimits(account, null, 60L,
                    io.nuscape.core.control.QuotaMode.SOFT));
            assertEquals(202, f.post(token, batch(UUID.randomUUID(), events(5))).getStatusCode());
            assertEquals(202, f.post(f.token(UUID.randomUUID(), UUID.randomUUID(), Set.of(Scope.INGEST), 0),
                    batch(UUID.randomUUID(), events(5))).getStatusCode());
        }
    }

    /**
     * The limit charges an event by the minutes its duration starts (the rows it makes the drainer write):
     * a 24-hour event costs 1 440 units, an ordinary one 1. Long events cannot buy the drainer's time at
     * the price of short ones.
     */
    @Test
    void longEventsAreChargedByTheMinutesTheySpan() {
        try (IngestFixture f = new IngestFixture("rate-cost", Map.of("NUSCAPE_RATE_LIMIT_DEFAULT_PER_MINUTE", "3000"))) {
            String token = f.token(UUID.randomUUID(), UUID.randomUUID(), Set.of(Scope.INGEST), 0);
            long now = System.currentTimeMillis();
            String day = IngestFixture.event(UUID.randomUUID(), now - 86_400_000L, "screen", "on", 86_400_000L);
            assertEquals(202, f.post(token, batch(UUID.randomUUID(), List.of(day))).getStatusCode(), "1 440 of 3 000");
            String another = IngestFixture.event(UUID.randomUUID(), now - 86_400_000L, "screen", "on", 86_400_000L);
            assertEquals(202, f.post(token, batch(UUID.randomUUID(), List.of(another))).getStatusCode(), "2 880 of 3 000");
            String third = IngestFixture.event(UUID.randomUUID(), now - 86_400_000L, "screen", "on", 86_400_000L);
            IngestContractTestSupport.assertError(f.post(token, batch(UUID.randomUUID(), List.of(third))), 429, "rate_limited", "");
            // What is left still buys ordinary events, one unit each.
            assertEquals(202, f.post(token, batch(UUID.randomUUID(), events(100))).getStatusCode(), "2 980 of 3 000");
        }
    }

    /**
     * A legal batch may cost more than a minute of the limit (1 000 events of 24 hours: 1.44 M units): it is
     * admitted when the bucket is full, or it could never be counted, and charged in full, so the account
     * then waits until the debt is paid off: over time it gets its limit and no more.
     */
    @Test
    void aBatchCostingMoreThanTheBucketIsAdmittedWhenFullAndPaidOffAfterwards() {
        try (IngestFixture f = new IngestFixture("rate-debt", Map.of("NUSCAPE_RATE_LIMIT_DEFAULT_PER_MINUTE", "1000"))) {
            String token = f.token(UUID.randomUUID(), UUID.randomUUID(), Set.of(Scope.INGEST), 0);
            long now = System.currentTimeMillis();
            List<String> days = new java.util.ArrayList<>();
            for (int i = 0; i < 3; i++) {
                days.add(IngestFixture.event(UUID.randomUUID(), now - 86_400_000L, "screen", "on" + i, 86_400_000L));
            }
            assertEquals(202, f.post(token, batch(UUID.randomUUID(), days)).getStatusCode(), "4 320 units against a full bucket of 1 000");
            APIGatewayV2HTTPResponse next = f.post(token, batch(UUID.randomUUID(), events(1)));
            IngestContractTestSupport.assertError(next, 429, "rate_limited", "");
            long retryAfter = Long.parseLong(next.getHeaders().get("Retry-After"));
            assertTrue(retryAfter >= 190 && retryAfter <= 200, "3 320 units of debt at 1 000 a minute: about 200 s, got " + retryAfter);
        }
    }

    @Test
    void overTheBacklogCapIngestAnswers503AndTrimsNothing() {
        try (IngestFixture f = new IngestFixture("backlog", Map.of("NUSCAPE_BACKLOG_MAX_ENTRIES", "3", "NUSCAPE_RETRY_AFTER_SECONDS", "7"))) {
            String token = f.token(UUID.randomUUID(), UUID.randomUUID(), Set.of(Scope.INGEST), 0);
            for (int i = 0; i < 3; i++) {
                assertEquals(202, f.post(token, batch(UUID.randomUUID(), events(5))).getStatusCode());
            }
            var before = f.streamEntries();
            APIGatewayV2HTTPResponse r = f.post(token, batch(UUID.randomUUID(), events(5)));
            IngestContractTestSupport.assertError(r, 503, "unavailable", "backlog");
            assertEquals("7", r.getHeaders().get("Retry-After"));
            var after = f.streamEntries();
            assertEquals(before.size(), after.size());
            assertEquals(before.get(0).getId(), after.get(0).getId(), "the oldest undrained entry is still there");
        }
    }
}
