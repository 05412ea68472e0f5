package io.nuscape.alerts;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import io.nuscape.alerts.internal.EventBridgeAlertBus;
import io.nuscape.alerts.internal.LambdaWebhookSender;
import io.nuscape.core.Json;
import io.nuscape.core.Settings;
import io.nuscape.core.StructuredLog;
import io.nuscape.core.category.Categories;
import io.nuscape.core.category.CategoryUsage;
import io.nuscape.core.internal.SecretsClient;
import io.nuscape.core.limit.AlertBus;
import io.nuscape.core.limit.LimitAlerts;
import io.nuscape.core.limit.LimitEvaluator;
import io.nuscape.core.profile.CombinedScreenTime;
import io.nuscape.core.webhook.RetrySchedule;
import io.nuscape.core.webhook.WebhookDeliverer;
import io.nuscape.core.webhook.WebhookSender;
import io.nuscape.postgres.ConnectionPool;
import io.nuscape.postgres.Database;
import io.nuscape.postgres.PostgresAlertStore;
import io.nuscape.postgres.PostgresCategoryStore;
import io.nuscape.postgres.PostgresLimitStore;
import io.nuscape.postgres.PostgresProfileStore;
import io.nuscape.postgres.PostgresUsageReader;
import io.nuscape.postgres.PostgresWebhookStore;
import io.nuscape.webhooksender.HttpWebhookSender;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * Lambda entry point of AlertsFunction, started every minute by a schedule and polling all along until the
 * invocation's remaining time falls under the safety margin: each round evaluates the limits that drains
 * marked ({@link LimitAlerts}), delivers due webhook deliveries ({@link WebhookDeliverer}) and puts new alerts
 * on the EventBridge bus when one is configured; an idle round waits {@link #IDLE_WAIT_MS}. So an alert is
 * raised and sent about a second after the drain that crossed it, not a minute. Logs one summary per
 * invocation and the same figures as CloudWatch Embedded Metric Format for the template's alarms.
 */
public final class AlertsHandler implements RequestHandler<Map<String, Object>, Map<String, Object>>, AutoCloseable {
    static final long IDLE_WAIT_MS = 1_000;
    static final int MARKS_PER_ROUND = 500;
    static final int DELIVERIES_PER_ROUND = 200;
    static final int PUBLISHED_PER_ROUND = 100;

    private final Settings settings;
    private final ConnectionPool pool;
    private final LimitAlerts limitAlerts;
    private final PostgresAlertStore alerts;
    private final PostgresWebhookStore webhooks;
    private final WebhookSender sender;
    private final Optional<AlertBus> bus;
    private final StructuredLog log;
    private final Clock clock;

    public AlertsHandler() {
        this(Settings.fromEnvironment(), Clock.systemUTC());
    }

    /** Configured from the given settings (the local runtime's). */
    public AlertsHandler(Settings settings) {
        this(settings, Clock.systemUTC());
    }

    public AlertsHandler(Settings settings, Clock clock) {
        this(settings, clock, sender(settings),
                settings.delivery().eventBusName().map(name -> EventBridgeAlertBus.create(name, settings.awsEndpoint(),
                        DefaultCredentialsProvider.builder().build(), region())));
    }

    /** With the sender and bus given (tests inject a clock and observe both). */
    public AlertsHandler(Settings settings, Clock clock, WebhookSender sender, Optional<AlertBus> bus) {
        this.settings = settings;
        this.clock = clock;
        this.sender = sender;
        this.bus = bus;
        Database database = Database.fromSettings(settings, () -> SecretsClient.create(settings));
        this.pool = new ConnectionPool(database, 4, 5_000);
        PostgresProfileStore profiles = new PostgresProfileStore(pool);
        PostgresUsageReader reader = new PostgresUsageReader(pool);
        LimitEvaluator evaluator = new LimitEvaluator(profiles, new CombinedScreenTime(profiles, reader), reader,
                new CategoryUsage(reader, new Categories(new PostgresCategoryStore(pool))));
        this.alerts = new PostgresAlertStore(pool);
        this.limitAlerts = new LimitAlerts(alerts, new PostgresLimitStore(pool), evaluator, clock);
        this.webhooks = new PostgresWebhookStore(pool);
        this.log = new StructuredLog("alerts", settings.logLevel());
    }

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> input, Context context) {
        long margin = settings.drainSafetyMarginMs();
        return run(() -> context == null || context.getRemainingTimeInMillis() > margin);
    }

    /** Rounds while {@code keepGoing}; the summary of them all. */
    public Map<String, Object> run(BooleanSupplier keepGoing) {
        // Jitter needs no secrecy, but made per invocation: SnapStart copies must not share a sequence.
        WebhookDeliverer deliverer = new WebhookDeliverer(webhooks, sender, RetrySchedule.DEFAULT, clock, new SplittableRandom(), log);
        Totals t = new Totals();
        do {
            int work = round(deliverer, t);
            if (work == 0 && keepGoing.getAsBoolean()) {
                try {
                    Thread.sleep(IDLE_WAIT_MS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        } while (keepGoing.getAsBoolean());
        var summary = new LinkedHashMap<String, Object>();
        summary.put("rounds", t.rounds);
        summary.put("alerts_raised", t.raised);
        summary.put("webhook_delivered", t.delivered);
        summary.put("webhook_retrying", t.retrying);
        summary.put("webhook_failed", t.failed);
        summary.put("alerts_published", t.published);
        summary.put("errors", t.errors);
        log.info("alerts run", summary);
        System.out.println(Json.write(embeddedMetrics(summary)));
        if (t.errors > 0 && t.rounds == t.errors) {
            // Nothing worked in this invocation: fail it, so the errors alarm sees it.
            throw new IllegalStateException("every alerts round failed (" + t.errors + "); see the log");
        }
        return summary;
    }

    private static final class Totals {
        int rounds;
        int raised;
        int delivered;
        int retrying;
        int failed;
        int published;
        int errors;
    }

    /** One round; returns how much it did (0: idle). A failing step is logged and the others still run. */
    int round(WebhookDeliverer deliverer, Totals t) {
        t.rounds++;
        int work = 0;
        boolean failed = false;
        try {
            int raised = limitAlerts.run(MARKS_PER_ROUND).size();
            t.raised += raised;
            work += raised;
        } catch (Exception e) {
            failed = failure("limit evaluation", e);
        }
        try {
            WebhookDeliverer.Report r = deliverer.run(DELIVERIES_PER_ROUND);
            t.delivered += r.delivered();
            t.retrying += r.retrying();
            t.failed += r.failed();
            work += r.attempted();
        } catch (Exception e) {
            failed = failure("webhook delivery", e);
        }
        if (bus.isPresent()) {
            try {
                int published = alerts.publishPending(PUBLISHED_PER_ROUND, bus.get());
                t.published += published;
                work += published;
            } catch (Exception e) {
                failed = failure("publishing to the event bus", e);
            }
        }
        if (failed) {
            t.errors++;
        }
        return work;
    }

    private boolean failure(String step, Exception e) {
        var fields = new LinkedHashMap<String, Object>();
        fields.put("step", step);
        fields.put("error", e.getClass().getSimpleName() + ": " + e.getMessage());
        log.error("alerts step failed; tried again next round", fields);
        return true;
    }

    static Map<String, Object> embeddedMetrics(Map<String, Object> summary) {
        var values = new LinkedHashMap<String, Object>();
        values.put("AlertsRaised", summary.get("alerts_raised"));
        values.put("WebhookDelivered", summary.get("webhook_delivered"));
        values.put("WebhookRetrying", summary.get("webhook_retrying"));
        values.put("WebhookFailed", summary.get("webhook_failed"));
        values.put("AlertsPublished", summary.get("alerts_published"));
        values.put("AlertsErrors", summary.get("errors"));
        return io.nuscape.core.EmbeddedMetrics.of(Map.of(), values);
    }

    /** Outside the VPC through WebhookSenderFunction when one is named (AWS), else straight from here (the local stack). */
    private static WebhookSender sender(Settings settings) {
        return settings.delivery().senderFunction()
                .<WebhookSender>map(f -> LambdaWebhookSender.create(f, settings.delivery().receiverTimeout(),
                        settings.awsEndpoint(), DefaultCredentialsProvider.builder().build(), region()))
                .orElseGet(() -> new HttpWebhookSender(settings.delivery().guard(), settings.delivery().receiverTimeout()));
    }

    private static Region region() {
        String region = Optional.ofNullable(System.getenv("AWS_REGION")).orElse(System.getenv("AWS_DEFAULT_REGION"));
        if (region == null || region.isBlank()) {
            throw new io.nuscape.core.ConfigException("AWS_REGION is not set; it is needed to put alerts on the EventBridge bus");
        }
        return Region.of(region);
    }

    @Override
    public void close() {
        pool.close();
        if (sender instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception ignored) {
                // closing at shutdown: nothing left to do about it
            }
        }
        bus.ifPresent(b -> {
            if (b instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // closing at shutdown: nothing left to do about it
                }
            }
        });
    }
}
