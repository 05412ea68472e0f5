package io.nuscape.client;

import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * How a {@link NuScapeClient} queues and uploads. Every default is explained in the README ("Defaults and why");
 * only {@link Builder#database(Path)} is required.
 */
public final class ClientConfig {
    /** The contract's limit on events per batch. */
    public static final int MAX_BATCH_EVENTS = 1000;
    /** Bytes of JSON per batch we stay under: the contract's limit is 1 MiB after decompression. */
    public static final int MAX_BATCH_BYTES = 1_000_000;

    private final Path database;
    private final URI serverUrl;
    private final int batchSize;
    private final int maxBatchBytes;
    private final Duration uploadInterval;
    private final int maxQueuedEvents;
    private final QueueFullPolicy queueFullPolicy;
    private final int maxDeadLetters;
    private final Duration backoffBase;
    private final Duration backoffCap;
    private final Duration maxRetryAfter;
    private final Duration connectTimeout;
    private final Duration requestTimeout;
    private final Duration tokenRenewBefore;
    private final Duration closeTimeout;
    private final boolean autoUpload;
    private final boolean syncEveryWrite;
    private final Duration tokenRejectedRetry;
    private final boolean allowInsecureHttp;
    private final Clock clock;

    private ClientConfig(Builder b) {
        this.database = Objects.requireNonNull(b.database, "database");
        this.serverUrl = b.serverUrl;
        this.batchSize = b.batchSize;
        this.maxBatchBytes = b.maxBatchBytes;
        this.uploadInterval = b.uploadInterval;
        this.maxQueuedEvents = b.maxQueuedEvents;
        this.queueFullPolicy = b.queueFullPolicy;
        this.maxDeadLetters = b.maxDeadLetters;
        this.backoffBase = b.backoffBase;
        this.backoffCap = b.backoffCap;
        this.maxRetryAfter = b.maxRetryAfter;
        this.connectTimeout = b.connectTimeout;
        this.requestTimeout = b.requestTimeout;
        this.tokenRenewBefore = b.tokenRenewBefore;
        this.closeTimeout = b.closeTimeout;
        this.autoUpload = b.autoUpload;
        this.syncEveryWrite = b.syncEveryWrite;
        this.tokenRejectedRetry = b.tokenRejectedRetry;
        this.allowInsecureHttp = b.allowInsecureHttp;
        this.clock = b.clock;
        if (serverUrl != null) {
            checkScheme(serverUrl, allowInsecureHttp);
        }
        if (batchSize < 1 || batchSize > MAX_BATCH_EVENTS) {
            throw new IllegalArgumentException("batchSize must be 1 to " + MAX_BATCH_EVENTS + " (the contract's limit)");
        }
        if (maxBatchBytes < 1024 || maxBatchBytes > MAX_BATCH_BYTES) {
            throw new IllegalArgumentException("maxBatchBytes must be 1024 to " + MAX_BATCH_BYTES);
        }
        if (maxQueuedEvents <= batchSize) {
            // A batch being sent is never dropped: with no room beside a full one, a new event could not be kept.
            throw new IllegalArgumentException("maxQueuedEvents must be more than batchSize");
        }
        if (maxDeadLetters < 0) {
            throw new IllegalArgumentException("maxDeadLetters must not be negative");
        }
        positive(uploadInterval, "uploadInterval");
        positive(backoffBase, "backoffBase");
        positive(connectTimeout, "connectTimeout");
        positive(requestTimeout, "requestTimeout");
        positive(tokenRejectedRetry, "tokenRejectedRetry");
        if (backoffCap.compareTo(backoffBase) < 0) {
            throw new IllegalArgumentException("backoffCap must be at least backoffBase");
        }
        if (maxRetryAfter.isNegative() || tokenRenewBefore.isNegative() || closeTimeout.isNegative()) {
            throw new IllegalArgumentException("maxRetryAfter, tokenRenewBefore and closeTimeout must not be negative");
        }
    }

    /**
     * The bearer token goes with every request: plain http only to this machine (where nobody on the network can
     * read it), or when the caller opted in.
     */
    static void checkScheme(URI url, boolean allowInsecureHttp) {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (scheme.equals("https")) {
            return;
        }
        if (!scheme.equals("http")) {
            throw new IllegalArgumentException("serverUrl must be an https URL: " + url);
        }
        if (!allowInsecureHttp && !isLoopback(url.getHost())) {
            throw new IllegalArgumentException("serverUrl " + url + " is plain http: the device token would cross the network"
                    + " unencrypted; use https, or allowInsecureHttp(true) on a network you trust");
        }
    }

    /** localhost, 127.0.0.0/8 or ::1, judged from the name alone: resolving it could be answered by anyone. */
    static boolean isLoopback(String host) {
        if (host == null) {
            return false;
        }
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        if (h.equals("localhost") || h.endsWith(".localhost") || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1")) {
            return true;
        }
        return h.matches("127\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)");
    }

    private static void positive(Duration d, String name) {
        if (d == null || d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(name + " must be positive");
        }
    }

    public static Builder builder(Path database) {
        return new Builder().database(database);
    }

    /** The SQLite file holding the queue and the device token. */
    public Path database() {
        return database;
    }

    /** Where to upload; null to use the server the device enrolled with. */
    public URI serverUrl() {
        return serverUrl;
    }

    /** Events per batch at most; a full batch is sent at once. */
    public int batchSize() {
        return batchSize;
    }

    /** Bytes of JSON a batch may hold at most. */
    public int maxBatchBytes() {
        return maxBatchBytes;
    }

    /** How often a partial batch is sent (and the token's renewal looked at). */
    public Duration uploadInterval() {
        return uploadInterval;
    }

    /** Events the queue keeps on disk at most. */
    public int maxQueuedEvents() {
        return maxQueuedEvents;
    }

    /** What {@code track} does when the queue is full. */
    public QueueFullPolicy queueFullPolicy() {
        return queueFullPolicy;
    }

    /** Dead letters kept at most, the oldest dropped first. */
    public int maxDeadLetters() {
        return maxDeadLetters;
    }

    /** The longest first wait after a failure; doubles per failure in a row. */
    public Duration backoffBase() {
        return backoffBase;
    }

    /** The longest wait between retries; also the wait after an answer that is not the API's. */
    public Duration backoffCap() {
        return backoffCap;
    }

    /** The longest {@code Retry-After} obeyed. */
    public Duration maxRetryAfter() {
        return maxRetryAfter;
    }

    /** How long a connection may take to open. */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** How long a request may wait for its answer before it counts as a network error. */
    public Duration requestTimeout() {
        return requestTimeout;
    }

    /** Renew the token when it has less than this left (or less than a third of its life). */
    public Duration tokenRenewBefore() {
        return tokenRenewBefore;
    }

    /** How long {@link NuScapeClient#close()} tries to upload what is queued. */
    public Duration closeTimeout() {
        return closeTimeout;
    }

    /** Whether uploads run in the background, or only on {@link NuScapeClient#flush}. */
    public boolean autoUpload() {
        return autoUpload;
    }

    /** Whether every write reaches the disk before it returns (survives a power cut). */
    public boolean syncEveryWrite() {
        return syncEveryWrite;
    }

    /** How long to wait before trying a token the server refused (401) again. */
    public Duration tokenRejectedRetry() {
        return tokenRejectedRetry;
    }

    /** Whether a plain-http {@link #serverUrl()} to another machine is allowed. */
    public boolean allowInsecureHttp() {
        return allowInsecureHttp;
    }

    /** The wall clock for event times and token expiry. */
    public Clock clock() {
        return clock;
    }

    /** Builds a {@link ClientConfig}; each setter's Javadoc gives its default. */
    public static final class Builder {
        private Path database;
        private URI serverUrl;
        private int batchSize = 50;
        private int maxBatchBytes = MAX_BATCH_BYTES;
        private Duration uploadInterval = Duration.ofSeconds(60);
        private int maxQueuedEvents = 10_000;
        private QueueFullPolicy queueFullPolicy = QueueFullPolicy.DROP_OLDEST;
        private int maxDeadLetters = 10_000;
        private Duration backoffBase = Duration.ofSeconds(1);
        private Duration backoffCap = Duration.ofMinutes(5);
        private Duration maxRetryAfter = Duration.ofHours(1);
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration requestTimeout = Duration.ofSeconds(30);
        private Duration tokenRenewBefore = Duration.ofDays(30);
        private Duration closeTimeout = Duration.ofSeconds(5);
        private boolean autoUpload = true;
        private boolean syncEveryWrite = true;
        private Duration tokenRejectedRetry = Duration.ofHours(1);
        private boolean allowInsecureHttp;
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /** The SQLite file (created with owner-only permissions); required. */
        public Builder database(Path database) {
            this.database = database;
            return this;
        }

        /** The API's base URL, e.g. {@code https://api.example.com/prod}; default: the one given at enrollment. */
        public Builder serverUrl(URI serverUrl) {
            this.serverUrl = serverUrl;
            return this;
        }

        /** Events per batch, 1 to 1 000; default 50. A batch is sent as soon as this many are queued. */
        public Builder batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /** Bytes of JSON a batch may hold before it is cut; default 1 000 000 (the server's limit is 1 MiB). */
        public Builder maxBatchBytes(int maxBatchBytes) {
            this.maxBatchBytes = maxBatchBytes;
            return this;
        }

        /** How often a partial batch is sent; default 60 s. */
        public Builder uploadInterval(Duration uploadInterval) {
            this.uploadInterval = uploadInterval;
            return this;
        }

        /** Events the queue keeps on disk at most; default 10 000. */
        public Builder maxQueuedEvents(int maxQueuedEvents) {
            this.maxQueuedEvents = maxQueuedEvents;
            return this;
        }

        /** What {@code track} does on a full queue; default {@link QueueFullPolicy#DROP_OLDEST}. */
        public Builder queueFullPolicy(QueueFullPolicy queueFullPolicy) {
            this.queueFullPolicy = Objects.requireNonNull(queueFullPolicy);
            return this;
        }

        /** Dead letters kept at most (the oldest go first); default 10 000. */
        public Builder maxDeadLetters(int maxDeadLetters) {
            this.maxDeadLetters = maxDeadLetters;
            return this;
        }

        /** The first retry waits up to this (full jitter), doubling per failure; default 1 s. */
        public Builder backoffBase(Duration backoffBase) {
            this.backoffBase = Objects.requireNonNull(backoffBase);
            return this;
        }

        /** The longest wait between retries; default 5 min. */
        public Builder backoffCap(Duration backoffCap) {
            this.backoffCap = Objects.requireNonNull(backoffCap);
            return this;
        }

        /** The longest {@code Retry-After} obeyed; default 1 h. */
        public Builder maxRetryAfter(Duration maxRetryAfter) {
            this.maxRetryAfter = Objects.requireNonNull(maxRetryAfter);
            return this;
        }

        /** Default 10 s. */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = Objects.requireNonNull(connectTimeout);
            return this;
        }

        /** A request without an answer by then is retried like a network error; default 30 s. */
        public Builder requestTimeout(Duration requestTimeout) {
            this.requestTimeout = Objects.requireNonNull(requestTimeout);
            return this;
        }

        /** Renew the device token when it has less than this left; default 30 days (tokens last a year by default). */
        public Builder tokenRenewBefore(Duration tokenRenewBefore) {
            this.tokenRenewBefore = Objects.requireNonNull(tokenRenewBefore);
            return this;
        }

        /** How long {@link NuScapeClient#close()} tries to upload what is queued; default 5 s. */
        public Builder closeTimeout(Duration closeTimeout) {
            this.closeTimeout = Objects.requireNonNull(closeTimeout);
            return this;
        }

        /** Upload in the background (default); false uploads only on {@link NuScapeClient#flush}. */
        public Builder autoUpload(boolean autoUpload) {
            this.autoUpload = autoUpload;
            return this;
        }

        /**
         * True (default): every write is on disk when it returns, even through a power cut (SQLite
         * {@code synchronous=FULL}). False survives a crash of the process but not of the machine, and is faster.
         */
        public Builder syncEveryWrite(boolean syncEveryWrite) {
            this.syncEveryWrite = syncEveryWrite;
            return this;
        }

        /**
         * After the server refuses the token (401, or 403 other than revoked), how long before it is tried again;
         * default 1 h: a server's clock or key rotation may be at fault rather than the token, and one request an
         * hour costs nothing.
         */
        public Builder tokenRejectedRetry(Duration tokenRejectedRetry) {
            this.tokenRejectedRetry = Objects.requireNonNull(tokenRejectedRetry);
            return this;
        }

        /**
         * Allows a plain-http {@link #serverUrl} to another machine; default false: the device token would cross
         * the network readable by anyone on the way. http to localhost, 127.0.0.0/8 and ::1 is always allowed.
         */
        public Builder allowInsecureHttp(boolean allowInsecureHttp) {
            this.allowInsecureHttp = allowInsecureHttp;
            return this;
        }

        /** The wall clock for event times and token expiry; default UTC system clock. Waiting never uses it. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
        }

        public ClientConfig build() {
            return new ClientConfig(this);
        }
    }
}
