package io.nuscape.core;

/** Thrown at start-up when configuration is missing or malformed; the message names the variable to fix. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
