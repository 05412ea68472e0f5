package io.nuscape.redis;

import io.lettuce.core.ScriptOutputType;
import io.nuscape.core.people.GuessThrottle;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;

/**
 * {@link GuessThrottle} on Redis: one counter per email (kept as the SHA-256 of its lower-case form, so
 * Redis holds no email) and one per client address (an IPv6 address by its /64, which one subscriber
 * holds whole), each reserved by a script and living one window from its first attempt. Keys are
 * {@code {prefix}:guess:{kind}:email:…} and {@code …:address:…}; each is used alone, so it works on a Redis
 * Cluster too. Redis unreachable is a 503 for the caller (QueueUnavailableException), never an attempt let
 * through unchecked.
 */
public final class RedisGuessThrottle implements GuessThrottle {
    /** Attempts per email and per address within one window; sign-in's defaults are 5 and 50 in 15 minutes. */
    public record Limits(int perEmail, int perAddress, Duration window) {
        public static final Limits DEFAULT = new Limits(5, 50, Duration.ofMinutes(15));
    }

    private static final LuaScript RESERVE = new LuaScript("guess-reserve.lua");

    private final RedisConnector redis;
    private final String keyPrefix;
    private final Limits limits;

    /** {@code kind} keeps this throttle's counters apart from another's ({@code signin}, {@code enroll}). */
    public RedisGuessThrottle(RedisConnector redis, String prefix, String kind, Limits limits) {
        this.redis = redis;
        this.keyPrefix = prefix + ":guess:" + kind + ":";
        this.limits = limits;
    }

    @Override
    public Optional<Duration> reserve(String email, String address) {
        long wait = reserve(addressKey(address), limits.perAddress());
        if (wait == 0 && email != null) {
            wait = reserve(emailKey(email), limits.perEmail());
            if (wait > 0) {
                redis.call(c -> c.decr(addressKey(address))); // not attempted after all
            }
        }
        return wait > 0 ? Optional.of(Duration.ofMillis(wait)) : Optional.empty();
    }

    @Override
    public void succeeded(String email, String address) {
        if (email != null) {
            redis.call(c -> c.del(emailKey(email)));
        }
        redis.call(c -> c.decr(addressKey(address)));
    }

    private long reserve(String key, int limit) {
        byte[][] args = {Integer.toString(limit).getBytes(StandardCharsets.US_ASCII),
                Long.toString(limits.window().toMillis()).getBytes(StandardCharsets.US_ASCII)};
        Long wait = RESERVE.run(redis, ScriptOutputType.INTEGER, new String[] {key}, args);
        return wait == null ? 0 : wait;
    }

    private String emailKey(String email) {
        return keyPrefix + "email:" + sha256(email.strip().toLowerCase(Locale.ROOT));
    }

    private String addressKey(String address) {
        return keyPrefix + "address:" + network(address);
    }

    /** An IPv4 address as it is; an IPv6 address as its /64 (one subscriber's network). */
    static String network(String address) {
        if (address == null || address.isBlank()) {
            return "unknown";
        }
        if (address.indexOf(':') < 0) {
            return address;
        }
        try {
            byte[] b = InetAddress.getByName(address.strip()).getAddress(); // a literal: no lookup is made
            if (b.length != 16) {
                return address;
            }
            return HexFormat.of().formatHex(b, 0, 8) + "::/64";
        } catch (java.net.UnknownHostException e) {
            return "invalid";
        }
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
