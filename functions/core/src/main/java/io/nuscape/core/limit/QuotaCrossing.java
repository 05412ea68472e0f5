package io.nuscape.core.limit;

import io.nuscape.core.control.QuotaMode;
import java.time.Instant;
import java.time.YearMonth;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * A stream entry's note that the batch it carries took the account's monthly count across 80 % and/or 100 %
 * of its quota (ingest.lua writes it as {@code types|YYYY-MM|count|quota|mode}). The drainer records the
 * alerts in the transaction that counts the entry; each is recorded once per account, type and month.
 */
public record QuotaCrossing(UUID accountId, List<String> types, YearMonth month, long eventsAccepted, long quota, QuotaMode mode) {
    public static final String WARNING = "quota.warning";
    public static final String EXCEEDED = "quota.exceeded";
    private static final Set<String> TYPES = Set.of(WARNING, EXCEEDED);

    /** The note of an entry of {@code accountId}; empty when absent or not in the form ingest writes. */
    public static Optional<QuotaCrossing> parse(UUID accountId, String field) {
        if (field == null) {
            return Optional.empty();
        }
        String[] p = field.split("\\|", -1);
        if (p.length != 5) {
            return Optional.empty();
        }
        List<String> types = List.of(p[0].split(","));
        if (types.isEmpty() || !TYPES.containsAll(types)) {
            return Optional.empty();
        }
        try {
            Optional<QuotaMode> mode = QuotaMode.parse(p[4]);
            long count = Long.parseLong(p[2]);
            long quota = Long.parseLong(p[3]);
            if (mode.isEmpty() || count < 0 || quota < 0) {
                return Optional.empty();
            }
            return Optional.of(new QuotaCrossing(accountId, types, YearMonth.parse(p[1]), count, quota, mode.get()));
        } catch (NumberFormatException | DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** The alerts this crossing raises, stamped {@code at}; the day of each is the month's first. */
    public List<Alert> alerts(Instant at) {
        List<Alert> out = new ArrayList<>(types.size());
        for (String type : types) {
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("month", month.toString());
            details.put("events_accepted", eventsAccepted);
            details.put("monthly_event_quota", quota);
            details.put("quota_mode", mode.text());
            details.put("threshold_percent", type.equals(WARNING) ? 80 : 100);
            out.add(new Alert(UUID.randomUUID(), accountId, null, type, month.atDay(1), 0, at, details));
        }
        return out;
    }
}
