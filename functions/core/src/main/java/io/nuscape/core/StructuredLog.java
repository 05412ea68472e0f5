package io.nuscape.core;

import java.io.PrintStream;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One JSON object per line on standard output (what Lambda ships to CloudWatch Logs). Callers pass request
 * id and account as fields; tokens and payloads are never logged.
 */
public final class StructuredLog {
    /** Log levels in increasing severity. */
    public enum Level { DEBUG, INFO, WARN, ERROR }

    private final String component;
    private final Level threshold;
    private final PrintStream out;

    public StructuredLog(String component, String threshold) {
        this(component, Level.valueOf(threshold), System.out);
    }

    public StructuredLog(String component, Level threshold, PrintStream out) {
        this.component = component;
        this.threshold = threshold;
        this.out = out;
    }

    public boolean enabled(Level level) {
        return level.compareTo(threshold) >= 0;
    }

    /** Writes one line: timestamp, level, component, message, then the fields in the given order. */
    public void log(Level level, String message, Map<String, ?> fields) {
        if (!enabled(level)) {
            return;
        }
        var line = new LinkedHashMap<String, Object>();
        line.put("ts", Instant.now().toString());
        line.put("level", level.name());
        line.put("component", component);
        line.put("message", message);
        line.putAll(fields);
        out.println(Json.write(line));
    }

    public void info(String message, Map<String, ?> fields) {
        log(Level.INFO, message, fields);
    }

    public void warn(String message, Map<String, ?> fields) {
        log(Level.WARN, message, fields);
    }

    public void error(String message, Map<String, ?> fields) {
        log(Level.ERROR, message, fields);
    }
}
