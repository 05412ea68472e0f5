package io.nuscape.local;

import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.BitSet;
import java.util.Locale;

/**
 * EventBridge schedule expressions, so the local runtime fires functions when AWS would:
 * {@code rate(5 minutes)} and six-field {@code cron(minutes hours day-of-month month day-of-week year)} in
 * UTC, with lists, ranges, steps, {@code *} and {@code ?}; the year field must be {@code *}.
 */
public final class ScheduleExpression {
    private final Duration rate;
    private final BitSet minutes;
    private final BitSet hours;
    private final BitSet days;
    private final BitSet months;
    private final BitSet weekdays;
    private final boolean anyDay;
    private final boolean anyWeekday;

    private ScheduleExpression(Duration rate, String[] cron) {
        this.rate = rate;
        if (cron == null) {
            minutes = hours = days = months = weekdays = null;
            anyDay = anyWeekday = true;
        } else {
            minutes = field(cron[0], 0, 59);
            hours = field(cron[1], 0, 23);
            days = field(cron[2], 1, 31);
            months = field(cron[3], 1, 12);
            weekdays = field(cron[4].toUpperCase(Locale.ROOT)
                    .replace("SUN", "1").replace("MON", "2").replace("TUE", "3").replace("WED", "4")
                    .replace("THU", "5").replace("FRI", "6").replace("SAT", "7"), 1, 7);
            anyDay = cron[2].equals("*") || cron[2].equals("?");
            anyWeekday = cron[4].equals("*") || cron[4].equals("?");
            if (!cron[5].equals("*")) {
                throw new IllegalArgumentException("only '*' is supported for the year field: " + String.join(" ", cron));
            }
        }
    }

    public static ScheduleExpression parse(String expression) {
        String e = expression.trim();
        if (e.startsWith("rate(") && e.endsWith(")")) {
            String[] parts = e.substring(5, e.length() - 1).trim().split("\\s+");
            long n = Long.parseLong(parts[0]);
            String unit = parts[1].toLowerCase(Locale.ROOT);
            Duration d = unit.startsWith("minute") ? Duration.ofMinutes(n) : unit.startsWith("hour") ? Duration.ofHours(n)
                    : unit.startsWith("day") ? Duration.ofDays(n) : null;
            if (d == null || n <= 0) {
                throw new IllegalArgumentException("bad rate expression: " + expression);
            }
            return new ScheduleExpression(d, null);
        }
        if (e.startsWith("cron(") && e.endsWith(")")) {
            String[] fields = e.substring(5, e.length() - 1).trim().split("\\s+");
            if (fields.length != 6) {
                throw new IllegalArgumentException("cron needs 6 fields: " + expression);
            }
            return new ScheduleExpression(null, fields);
        }
        throw new IllegalArgumentException("not a rate() or cron() expression: " + expression);
    }

    /** The first firing strictly after {@code after}; for a rate, one period later. */
    public ZonedDateTime next(ZonedDateTime after) {
        if (rate != null) {
            return after.plus(rate);
        }
        ZonedDateTime t = after.withZoneSameInstant(ZoneOffset.UTC).truncatedTo(ChronoUnit.MINUTES).plusMinutes(1);
        for (int i = 0; i < 60 * 24 * 366 * 2; i++) {
            if (matches(t)) {
                return t;
            }
            t = t.plusMinutes(1);
        }
        throw new IllegalStateException("cron expression never fires");
    }

    private boolean matches(ZonedDateTime t) {
        boolean day = days.get(t.getDayOfMonth());
        boolean weekday = weekdays.get(t.getDayOfWeek().getValue() % 7 + 1);
        boolean dayMatches = anyDay && anyWeekday || (anyDay ? weekday : anyWeekday ? day : day || weekday);
        return minutes.get(t.getMinute()) && hours.get(t.getHour()) && months.get(t.getMonthValue()) && dayMatches;
    }

    private static BitSet field(String spec, int min, int max) {
        BitSet bits = new BitSet(max + 1);
        for (String part : spec.split(",")) {
            int step = 1;
            String range = part;
            int slash = part.indexOf('/');
            if (slash >= 0) {
                step = Integer.parseInt(part.substring(slash + 1));
                range = part.substring(0, slash);
            }
            int from;
            int to;
            if (range.equals("*") || range.equals("?")) {
                from = min;
                to = max;
            } else if (range.contains("-")) {
                from = Integer.parseInt(range.substring(0, range.indexOf('-')));
                to = Integer.parseInt(range.substring(range.indexOf('-') + 1));
            } else {
                from = Integer.parseInt(range);
                to = slash >= 0 ? max : from;
            }
            if (from < min || to > max || from > to || step < 1) {
                throw new IllegalArgumentException("cron field '" + spec + "' is outside " + min + "-" + max);
            }
            for (int v = from; v <= to; v += step) {
                bits.set(v);
            }
        }
        return bits;
    }
}
