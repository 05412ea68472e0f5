package io.nuscape.retention;

import io.nuscape.core.StructuredLog;
import io.nuscape.core.control.Policy;
import io.nuscape.core.control.RetentionLimits;
import io.nuscape.core.rollup.Granularity;
import io.nuscape.postgres.Migrator;
import io.nuscape.postgres.PostgresRetention;
import io.nuscape.postgres.RollupTable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/**
 * Keeps storage bounded, per granularity: partitions whose whole period is older than the longest
 * retention any account has are detached and dropped; then every account loses exactly its expired
 * buckets (whole period outside its window) still in the kept partitions, in bounded batches; dedupe keys
 * older than the window are deleted; partitions for the coming days are made. Idempotent and resumable.
 */
public final class RetentionJob {
    /** What one run did. */
    public record Report(int partitionsDropped, long rowsExpired, int dedupeTablesDropped, int partitionsCreated, boolean finished) {
    }

    private final PostgresRetention retention;
    private final RetentionLimits limits;
    private final Migrator migrator;
    private final Duration dedupeWindow;
    private final int batch;
    private final Clock clock;
    private final StructuredLog log;

    public RetentionJob(PostgresRetention retention, Migrator migrator, Duration dedupeWindow, int batch, RetentionLimits limits,
                        Clock clock, StructuredLog log) {
        this.retention = retention;
        this.limits = limits;
        this.migrator = migrator;
        this.dedupeWindow = dedupeWindow;
        this.batch = batch;
        this.clock = clock;
        this.log = log;
    }

    public Report run(BooleanSupplier keepGoing) throws Exception {
        Instant now = clock.instant();
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        int created = migrator.ensurePartitions(today, today.plusDays(Migrator.PARTITIONS_AHEAD_DAYS))
                + migrator.ensureDedupePartitions(today, today.plusDays(Migrator.DEDUPE_PARTITIONS_AHEAD_DAYS));
        int dropped = 0;
        long rows = 0;
        for (RollupTable t : RollupTable.ALL) {
            Granularity g = t.retainedAs();
            int defaultDays = Policy.DEFAULTS.retentionDays(g);
            // Policies stored before a lower platform maximum are capped here too.
            int longest = limits.effectiveDays(g, retention.longestRetention(t, defaultDays));
            PostgresRetention.Result r = retention.dropPartitionsBefore(t, now.minus(Duration.ofDays(longest)), keepGoing);
            dropped += r.partitions();
            rows += r.rows();
            // Then each account's exact window, bucket by bucket, in what the partitions still hold.
            Map<UUID, Integer> own = retention.accountsWithOwnRetention(t, defaultDays);
            for (Map.Entry<UUID, Integer> a : own.entrySet()) {
                rows += retention.deleteAccountBucketsBefore(t, a.getKey(),
                        now.minus(Duration.ofDays(limits.effectiveDays(g, a.getValue()))), batch, keepGoing);
            }
            // The boundary partition (and, when some account keeps longer, older ones) still holds expired
            // buckets of default-policy accounts: delete exactly those, bucket by bucket.
            rows += retention.deleteDefaultAccountsBucketsBefore(t, now.minus(Duration.ofDays(defaultDays)), defaultDays, batch, keepGoing);
        }
        int dedupeTables = retention.expireDedupeKeys(now, dedupeWindow);
        long auditEntries = retention.expireAuditEntries(now, Policy.DEFAULTS.retentionDays60m(), limits.maxDays(Granularity.HOUR), batch, keepGoing);
        long credentials = retention.expireSpentCredentials(now, batch, keepGoing);
        int marks = retention.expireLimitMarks(now);
        Report report = new Report(dropped, rows, dedupeTables, created, keepGoing.getAsBoolean());
        var fields = new LinkedHashMap<String, Object>();
        fields.put("partitions_dropped", dropped);
        fields.put("rows_expired", rows);
        fields.put("dedupe_tables_dropped", dedupeTables);
        fields.put("audit_entries_expired", auditEntries);
        fields.put("spent_credentials_deleted", credentials);
        fields.put("stale_limit_marks_deleted", marks);
        fields.put("partitions_created", created);
        fields.put("finished", report.finished());
        fields.put("ms", Duration.between(now, clock.instant()).toMillis());
        log.info("retention run", fields);
        return report;
    }

}
