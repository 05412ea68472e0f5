package io.nuscape.client;

import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
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
        this.clock = b.clock;
        if (batchSize < 1 || batchSize > MAX_BATCH_EVENTS) {
            throw new IllegalArgumentException("batchSize must be 1 to " + MAX_BATCH_EVENTS + " (the contract's limit)");
        }
        if (maxBatchBytes < 1024 || maxBatchBytes > MAX_BATCH_BYTES) {
            throw new IllegalArgumentException("maxBatchBytes must be 1024 to " + MAX_BATCH_BYTES);
        }
        if (maxQueuedEvents < batchSize) {
            throw new IllegalArgumentException("maxQueuedEvents must be at least batchSize");
        }
        if (maxDeadLetters < 0) {
            throw new IllegalArgumentException("maxDeadLetters must not be negative");
        }
        positive(uploadInterval, "uploadInterval");
        positive(backoffBase, "backoffBase");
        positive(connectTimeout, "connectTimeout");
        positive(requestTimeout, "requestTimeout");
        if (backoffCap.compareTo(backoffBase) < 0) {
            throw new IllegalArgumentException("backoffCap must be at least backoffBase");
        }
        if (maxRetryAfter.isNegative() || tokenRenewBefore.isNegative() || closeTimeout.isNegative()) {
            throw new IllegalArgumentException("maxRetryAfter, tokenRenewBefore and closeTimeout must not be negative");
        }
    }

    private static void positive(Duration d, String name) {
        if (d == null || d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(name + " must be positive");
        }
    }

    public static Builder builder(Path database) {
        return new Builder().database(database);
    }

    public Path database() {
        return database;
    }

    /** Where to upload; null to use the server the device enrolled with. */
    public URI serverUrl() {
        return serverUrl;
    }

    public int batchSize() {
        return batchSize;
    }

    public int maxBatchBytes() {
        return maxBatchBytes;
    }

    public Duration uploadInterval() {
        return uploadInterval;
    }

    public int maxQueuedEvents() {
        return maxQueuedEvents;
    }

    public QueueFullPolicy queueFullPolicy() {
        return queueFullPolicy;
    }

    public int maxDeadLetters() {
        return maxDeadLetters;
    }

    public Duration backoffBase() {
        return backoffBase;
    }

    public Duration backoffCap() {
        return backoffCap;
    }

    public Duration maxRetryAfter() {
        return maxRetryAfter;
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    public Duration requestTimeout() {
        return requestTimeout;
    }

    public Duration tokenRenewBefore() {
        return tokenRenewBefore;
    }

    public Duration closeTimeout() {
        return closeTimeout;
    }

    public boolean autoUpload() {
        return autoUpload;
    }

    public boolean syncEveryWrite() {
        return syncEveryWrite;
    }

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
