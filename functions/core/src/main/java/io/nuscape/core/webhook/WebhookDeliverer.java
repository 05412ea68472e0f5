package io.nuscape.core.webhook;

import io.nuscape.core.Json;
import io.nuscape.core.StructuredLog;
import io.nuscape.core.limit.Alert;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.random.RandomGenerator;

/**
 * Delivers queued alerts to webhooks: claims the due deliveries, posts each signed, all at once (a slow
 * receiver holds up only its own delivery, each bounded by the sender's timeouts), and records every attempt:
 * delivered on a 2xx, else due again by the {@link RetrySchedule}, or failed once it ran out.
 */
public final class WebhookDeliverer {
    /** How long a claim lasts: longer than any attempt can take, after which a dead deliverer's claims are due again. */
    public static final Duration LEASE = Duration.ofMinutes(2);

    private final WebhookStore store;
    private final WebhookSender sender;
    private final RetrySchedule schedule;
    private final Clock clock;
    private final RandomGenerator random;
    private final StructuredLog log;

    public WebhookDeliverer(WebhookStore store, WebhookSender sender, RetrySchedule schedule, Clock clock, RandomGenerator random,
                            StructuredLog log) {
        this.store = store;
        this.sender = sender;
        this.schedule = schedule;
        this.clock = clock;
        this.random = random;
        this.log = log;
    }

    /** What one {@link #run} did. */
    public record Report(int attempted, int delivered, int retrying, int failed) {
    }

    /** Claims up to {@code max} due deliveries and attempts them concurrently. */
    public Report run(int max) throws Exception {
        Instant now = clock.instant();
        List<DueDelivery> due = store.claimDue(now, max, LEASE, now.minus(schedule.giveUpAfter()));
        if (due.isEmpty()) {
            return new Report(0, 0, 0, 0);
        }
        List<Future<Outcome>> attempts = new ArrayList<>(due.size());
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (DueDelivery d : due) {
                attempts.add(threads.submit(() -> attempt(d)));
            }
        }
        int delivered = 0;
        int retrying = 0;
        int failed = 0;
        for (Future<Outcome> f : attempts) {
            switch (f.get()) {
                case DELIVERED -> delivered++;
                case RETRYING -> retrying++;
                case FAILED -> failed++;
            }
        }
        return new Report(due.size(), delivered, retrying, failed);
    }

    private enum Outcome { DELIVERED, RETRYING, FAILED }

    private Outcome attempt(DueDelivery d) throws Exception {
        byte[] body = body(d.alert());
        Instant at = clock.instant();
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("NuScape-Signature", WebhookSignature.header(d.secret(), at.getEpochSecond(), body));
        headers.put("NuScape-Alert-Id", d.alert().alertId().toString());
        WebhookSender.Answer answer = sender.post(d.url(), headers, body);
        Instant done = clock.instant();
        int attempts = d.attempts() + 1;
        Optional<Instant> next = answer.succeeded() ? Optional.empty() : schedule.next(attempts, d.createdAt(), done, random);
        store.recordAttempt(d, done, answer.status(), answer.succeeded() ? null : error(answer), answer.succeeded(), next);
        Outcome outcome = answer.succeeded() ? Outcome.DELIVERED : next.isPresent() ? Outcome.RETRYING : Outcome.FAILED;
        if (outcome != Outcome.DELIVERED) {
            var fields = new LinkedHashMap<String, Object>();
            fields.put("account", d.alert().accountId().toString());
            fields.put("webhook", d.webhookId().toString());
            fields.put("alert", d.alert().alertId().toString());
            fields.put("attempts", attempts);
            fields.put("status", answer.status());
            fields.put("error", answer.error());
            fields.put("next_attempt_at", next.map(Instant::toString).orElse(null));
            log.log(outcome == Outcome.FAILED ? StructuredLog.Level.ERROR : StructuredLog.Level.WARN,
                    outcome == Outcome.FAILED ? "webhook delivery failed for good" : "webhook delivery failed; retried later", fields);
        }
        return outcome;
    }

    private static String error(WebhookSender.Answer a) {
        String e = a.error() != null ? a.error() : "answered " + a.status();
        return e.length() > 500 ? e.substring(0, 500) : e;
    }

    /** The delivery's JSON: {@code alert_id}, {@code type}, {@code at}, {@code account_id}, then the alert's details. */
    public static byte[] body(Alert a) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("alert_id", a.alertId().toString());
        out.put("type", a.type());
        out.put("at", a.raisedAt().toString());
        out.put("account_id", a.accountId().toString());
        a.details().forEach(out::putIfAbsent);
        return Json.write(out).getBytes(StandardCharsets.UTF_8);
    }
}
