package io.nuscape.core.limit;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Raises limit alerts from marks: only the limits the marked devices reach are evaluated (never every limit),
 * on the days of their zone the marked UTC days overlap, today and yesterday only (a late event for an older
 * day counts, but alerts nobody). A limit past its limit raises {@code limit.exceeded}; below it, each
 * warning crossed raises {@code limit.warning}. {@link AlertStore} makes each at most once.
 */
public final class LimitAlerts {
    private final AlertStore alerts;
    private final LimitStore limits;
    private final LimitEvaluator evaluator;
    private final Clock clock;

    public LimitAlerts(AlertStore alerts, LimitStore limits, LimitEvaluator evaluator, Clock clock) {
        this.alerts = alerts;
        this.limits = limits;
        this.evaluator = evaluator;
        this.clock = clock;
    }

    /** Evaluates up to {@code maxMarks} marks; returns the alerts raised now. */
    public List<Alert> run(int maxMarks) throws Exception {
        return alerts.evaluateMarks(maxMarks, this::alertsFor);
    }

    /** The alerts the marks raise (recorded or not before): the work {@link #run} hands its store. */
    public List<Alert> alertsFor(List<LimitMark> marks) throws Exception {
        Instant now = clock.instant();
        Map<UUID, Map<UUID, Set<LocalDate>>> byAccount = new LinkedHashMap<>();
        for (LimitMark m : marks) {
            byAccount.computeIfAbsent(m.accountId(), a -> new LinkedHashMap<>()).computeIfAbsent(m.deviceId(), d -> new TreeSet<>()).add(m.utcDay());
        }
        Map<UUID, Set<UUID>> devicesByAccount = new LinkedHashMap<>();
        byAccount.forEach((account, days) -> devicesByAccount.put(account, days.keySet()));
        List<LimitEvaluator.LimitDay> asks = new ArrayList<>();
        for (Limit limit : limits.limitsTouching(devicesByAccount)) {
            Map<UUID, Set<LocalDate>> daysByDevice = byAccount.getOrDefault(limit.accountId(), Map.of());
            List<UUID> devices = evaluator.devices(limit);
            Set<LocalDate> utcDays = new HashSet<>();
            for (UUID device : devices) {
                utcDays.addAll(daysByDevice.getOrDefault(device, Set.of()));
            }
            for (LocalDate day : localDays(limit, utcDays, now)) {
                asks.add(new LimitEvaluator.LimitDay(limit, day, devices));
            }
        }
        List<Alert> out = new ArrayList<>();
        List<LimitStatus> statuses = evaluator.statuses(asks);
        for (int i = 0; i < asks.size(); i++) {
            out.addAll(alertsOf(asks.get(i).limit(), statuses.get(i), now));
        }
        return out;
    }

    /** The days of the limit's zone that the UTC days overlap, kept to today and yesterday there. */
    static Set<LocalDate> localDays(Limit limit, Set<LocalDate> utcDays, Instant now) {
        LocalDate today = LocalDate.ofInstant(now, limit.zone());
        Set<LocalDate> out = new TreeSet<>();
        for (LocalDate utc : utcDays) {
            Instant start = utc.atStartOfDay(ZoneOffset.UTC).toInstant();
            LocalDate first = LocalDate.ofInstant(start, limit.zone());
            LocalDate last = LocalDate.ofInstant(start.plusMillis(86_399_999L), limit.zone());
            for (LocalDate d = first; !d.isAfter(last); d = d.plusDays(1)) {
                if (!d.isAfter(today) && !d.isBefore(today.minusDays(1))) {
                    out.add(d);
                }
            }
        }
        return out;
    }

    static List<Alert> alertsOf(Limit limit, LimitStatus status, Instant now) {
        List<Alert> out = new ArrayList<>();
        if (status.state().equals("exceeded")) {
            out.add(alert(limit, status, Alert.LIMIT_EXCEEDED, 0, now));
            return out;
        }
        for (long warning : limit.warnBeforeMs()) {
            if (status.usedMs() >= limit.dailyMs() - warning) {
                out.add(alert(limit, status, Alert.LIMIT_WARNING, warning, now));
            }
        }
        return out;
    }

    private static Alert alert(Limit limit, LimitStatus status, String type, long threshold, Instant now) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("limit_id", limit.limitId().toString());
        if (limit.profileId() != null) {
            details.put("profile_id", limit.profileId().toString());
        } else {
            details.put("device_id", limit.deviceId().toString());
        }
        details.put("day", status.day().toString());
        details.put("tz", limit.zone().getId());
        details.put("used_ms", status.usedMs());
        details.put("daily_ms", limit.dailyMs());
        details.put("remaining_ms", status.remainingMs());
        if (threshold > 0) {
            details.put("warn_before_ms", threshold);
        }
        return new Alert(UUID.randomUUID(), limit.accountId(), limit.limitId(), type, status.day(), threshold, now, details);
    }
}
