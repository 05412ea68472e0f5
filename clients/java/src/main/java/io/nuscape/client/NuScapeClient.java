package io.nuscape.client;

import io.nuscape.client.internal.ActivityWatchImporter;
import io.nuscape.client.internal.ClientDatabase;
import io.nuscape.client.internal.Credentials;
import io.nuscape.client.internal.EventRules;
import io.nuscape.client.internal.QueuedEvent;
import io.nuscape.client.internal.ServerAnswer;
import io.nuscape.client.internal.ServerApi;
import io.nuscape.client.internal.TokenClaims;
import io.nuscape.client.internal.UploadLoop;
import io.nuscape.client.internal.UploadQueue;
import io.nuscape.client.internal.UploaderState;
import io.nuscape.client.internal.UuidV7;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * A device's NuScape client: {@link #track} writes each usage event to a SQLite queue on disk before it
 * returns, and a background thread uploads the queue in batches, retrying until the server has it. Events
 * survive crashes and restarts, and none is counted twice: a batch keeps its {@code batch_id} and bytes across
 * retries, and the server answers a repeat with {@code duplicate: true}. Thread-safe; one instance per database
 * file and process. See {@code clients/java/README.md}.
 *
 * <pre>{@code
 * try (NuScapeClient client = NuScapeClient.open(ClientConfig.builder(Path.of("nuscape.db"))
 *         .serverUrl(URI.create("https://api.example.com/prod")).build())) {
 *     if (client.status().deviceId() == null) {
 *         client.enroll("7KQ2M-9XD4P", "Kitchen laptop", "linux");
 *     }
 *     client.track("app", "org.mozilla.firefox", Instant.now().minusSeconds(60), Duration.ofSeconds(60));
 * }
 * }</pre>
 */
public final class NuScapeClient implements AutoCloseable {
    private final ClientConfig config;
    private final ClientDatabase db;
    private final UploadQueue queue;
    private final ServerApi api;
    private final UploadLoop loop;
    private final UuidV7 ids;
    private volatile boolean closed;

    private NuScapeClient(ClientConfig config) {
        this.config = config;
        this.db = ClientDatabase.open(config.database(), config.syncEveryWrite());
        try {
            this.queue = new UploadQueue(db, config.maxQueuedEvents(), config.queueFullPolicy(), config.maxDeadLetters());
            this.api = new ServerApi(config.connectTimeout(), config.requestTimeout());
            this.ids = new UuidV7(config.clock()::millis);
            this.loop = new UploadLoop(db, queue, api, config);
        } catch (RuntimeException e) {
            // Otherwise the file stays marked open in this process and no later open of it could succeed.
            try {
                db.close();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        loop.start();
    }

    /** Opens (or creates) the client's database and starts its uploader. */
    public static NuScapeClient open(ClientConfig config) {
        return new NuScapeClient(Objects.requireNonNull(config));
    }

    /**
     * Records that {@code key} of {@code kind} (e.g. {@code app}, {@code web}, {@code screen}) was in use from
     * {@code start} for {@code duration}. The event is on disk when this returns.
     *
     * @return the event's id (a time-ordered UUIDv7)
     * @throws IllegalArgumentException if kind, key or duration break the contract's rules
     * @throws QueueFullException       if the queue is full and the policy is {@link QueueFullPolicy#REFUSE}
     */
    public UUID track(String kind, String key, Instant start, Duration duration) {
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(duration, "duration");
        ensureOpen();
        long durationMs = duration.toMillis();
        EventRules.check(kind, key, durationMs);
        UUID id = ids.next();
        queue.add(new QueuedEvent(id, start.toEpochMilli(), kind, key, durationMs));
        loop.tracked();
        return id;
    }

    /**
     * Enrolls this device with a code an admin made ({@code POST /api/v1/enroll}) on the configured server, and
     * keeps the device's token in the database. Re-enrolling (after a revocation) replaces the identity; events
     * still queued are then uploaded as the new device's.
     *
     * @return the device id
     * @throws ClientException with the server's answer when enrollment is refused or the server is unreachable
     */
    public String enroll(String code, String name, String platform) {
        ensureOpen();
        URI server = server();
        ServerAnswer answer;
        try {
            answer = api.enroll(server, code, name, platform);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClientException("interrupted", "interrupted while enrolling", e);
        }
        if (!(answer instanceof ServerAnswer.Success s)) {
            throw refusal("enrollment", answer);
        }
        String deviceId = s.body().path("device_id").asText(null);
        String token = s.body().path("token").asText(null);
        if (deviceId == null || token == null) {
            // The body may hold a token: name its fields, never print it.
            throw new ClientException(s.status(), "bad_answer", "enrollment answered without device_id or token: " + answer);
        }
        Instant expires = TokenClaims.expiryOf(s.body(), token);
        saveCredentials(new Credentials(server, deviceId, token, expires), answer.serverTime());
        return deviceId;
    }

    /**
     * Uses a device token issued otherwise (an admin's {@code POST /api/v1/devices}) for the configured server;
     * the device id and expiry are read from the token.
     */
    public String useToken(String token) {
        ensureOpen();
        TokenClaims claims = TokenClaims.of(token);
        saveCredentials(new Credentials(server(), claims.subject(), token.trim(), claims.expiresAt()), null);
        return claims.subject();
    }

    private URI server() {
        if (config.serverUrl() != null) {
            return config.serverUrl();
        }
        return db.read(Credentials::load).map(Credentials::server)
                .orElseThrow(() -> new IllegalStateException("no server URL: set ClientConfig.serverUrl"));
    }

    private void saveCredentials(Credentials credentials, Instant serverTime) {
        db.write(c -> {
            credentials.save(c);
            ClientDatabase.putMeta(c, UploaderState.HALTED, null);
            ClientDatabase.putMeta(c, UploaderState.HALTED_MESSAGE, null);
            ClientDatabase.putMeta(c, UploaderState.TOKEN_REFUSED, null);
            ClientDatabase.putMeta(c, UploaderState.RENEWAL_IN_DOUBT_AT, null);
            ClientDatabase.putMeta(c, UploaderState.LAST_ERROR, null);
            ClientDatabase.putMeta(c, UploaderState.LAST_ERROR_AT, null);
            if (serverTime != null) {
                ClientDatabase.putMeta(c, UploaderState.SERVER_OFFSET_MS, Long.toString(serverTime.toEpochMilli() - config.clock().millis()));
            }
            return null;
        });
        loop.wake();
    }

    private static ClientException refusal(String what, ServerAnswer answer) {
        if (answer instanceof ServerAnswer.RetryLater r) {
            return new ClientException(r.status(), r.error(), what + " failed: " + r.message()
                    + (r.retryAfter() == null ? "" : " (retry after " + r.retryAfter().toSeconds() + " s)"));
        }
        if (answer instanceof ServerAnswer.Refused f) {
            return new ClientException(f.status(), f.error(), what + " refused: " + f.message());
        }
        if (answer instanceof ServerAnswer.Unexpected u) {
            return new ClientException(u.status(), u.error(), what + " failed (is the server URL right?): " + u.message());
        }
        if (answer instanceof ServerAnswer.TokenRejected t) {
            return new ClientException(t.status(), t.error(), what + " refused: " + t.message());
        }
        if (answer instanceof ServerAnswer.Revoked r) {
            return new ClientException(403, "device_revoked", what + " refused: " + r.message());
        }
        return new ClientException(0, "unexpected", what + ": " + answer);
    }

    /**
     * Uploads everything queued before this call, waiting at most {@code timeout}.
     *
     * @return true when all of it left the queue (accepted, or kept as dead letters); false when time ran out or
     *         uploads are stopped (not enrolled, revoked, token refused: see {@link #status()})
     */
    public boolean flush(Duration timeout) {
        ensureOpen();
        return loop.flush(timeout);
    }

    /** The queue and the uploader as they are now. */
    public ClientStatus status() {
        ensureOpen();
        return db.read(c -> {
            Optional<Credentials> credentials = Credentials.load(c);
            String halted = ClientDatabase.meta(c, UploaderState.HALTED).orElse(null);
            ClientStatus.State state;
            if (credentials.isEmpty()) {
                state = ClientStatus.State.NOT_ENROLLED;
            } else if (UploaderState.REVOKED.equals(halted)) {
                state = ClientStatus.State.REVOKED;
            } else if (halted != null || ClientDatabase.meta(c, UploaderState.TOKEN_REFUSED).isPresent()) {
                state = ClientStatus.State.TOKEN_REJECTED;
            } else if (ClientDatabase.meta(c, UploaderState.RETRYING).isPresent()) {
                state = ClientStatus.State.RETRYING;
            } else {
                state = ClientStatus.State.READY;
            }
            long queued;
            long batch;
            long dead;
            try (var s = c.createStatement();
                 var rs = s.executeQuery("SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM events WHERE batch_id IS NOT NULL),"
                         + " (SELECT count(*) FROM dead_letters)")) {
                rs.next();
                queued = rs.getLong(1);
                batch = rs.getLong(2);
                dead = rs.getLong(3);
            }
            return new ClientStatus(state, credentials.map(Credentials::deviceId).orElse(null),
                    config.serverUrl() != null ? config.serverUrl().toString() : credentials.map(cr -> cr.server() == null ? null : cr.server().toString()).orElse(null),
                    queued, batch, config.maxQueuedEvents(), queue.dropped(c), dead,
                    ClientDatabase.meta(c, UploaderState.LAST_UPLOAD_AT).map(Instant::parse).orElse(null),
                    ClientDatabase.meta(c, UploaderState.LAST_ERROR).orElse(null),
                    ClientDatabase.meta(c, UploaderState.LAST_ERROR_AT).map(Instant::parse).orElse(null),
                    credentials.map(Credentials::expiresAt).orElse(null));
        });
    }

    /**
     * Imports an ActivityWatch export (window, web and AFK buckets) into the queue: apps as {@code app}, browser
     * tabs as {@code web} keyed by domain, away-from-keyboard time cut out. Importing the same export again adds
     * nothing. What does not fit in the queue is {@link ImportReport#deferred() deferred}: flush and import again.
     */
    public ImportReport importActivityWatch(Path export) {
        ensureOpen();
        Instant now = config.clock().instant();
        ActivityWatchImporter.Conversion conversion;
        try {
            conversion = ActivityWatchImporter.convert(export, now);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + export + ": " + e.getMessage(), e);
        }
        List<QueuedEvent> events = conversion.events();
        UploadQueue.ImportCounts counts = queue.addImported(events, now.toEpochMilli() - Duration.ofDays(31).toMillis());
        for (int i = 0; i < counts.queued(); i += config.batchSize()) {
            loop.tracked();
        }
        return new ImportReport(conversion.sourceEvents(), counts.queued(), counts.alreadyImported(), counts.deferred(),
                conversion.skippedTooOld(), conversion.skippedOther(), conversion.afkExcludedMs());
    }

    /** The newest dead letters first, at most {@code limit}. */
    public List<DeadLetter> deadLetters(int limit) {
        ensureOpen();
        List<DeadLetter> out = new ArrayList<>();
        for (UploadQueue.DeadLetter d : queue.deadLetterList(limit)) {
            out.add(new DeadLetter(d.event().eventId(), Instant.ofEpochMilli(d.event().tsMillis()), d.event().kind(), d.event().key(),
                    Duration.ofMillis(d.event().durationMs()), d.batchId(), d.status(), d.error(), d.reason(), Instant.ofEpochMilli(d.deadAtMillis())));
        }
        return out;
    }

    /**
     * Moves dead letters back into the queue, oldest first and as many as the queue has room for, so they are
     * sent again with their event ids (the server counts an event id once). For events refused because of
     * something since fixed: a server that was misconfigured, a client upgraded to split what was too large.
     *
     * @return how many events went back into the queue; the rest stay dead letters
     */
    public int requeueDeadLetters() {
        ensureOpen();
        int moved = queue.requeueDeadLetters();
        for (int i = 0; i < moved; i += config.batchSize()) {
            loop.tracked();
        }
        return moved;
    }

    /** How long until the next upload attempt when the uploader is backing off. */
    public Duration retryIn() {
        return loop.backoffLeft();
    }

    public ClientConfig config() {
        return config;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("this NuScapeClient is closed");
        }
    }

    /** {@link #close(Duration)} with the configured {@link ClientConfig#closeTimeout()}. */
    @Override
    public void close() {
        close(config.closeTimeout());
    }

    /**
     * Tries to upload what is queued for at most {@code timeout} (when uploading in the background), then stops
     * the uploader and closes the database. Whatever was not sent stays queued for the next start.
     */
    public void close(Duration timeout) {
        if (closed) {
            return;
        }
        closed = true;
        long deadline = System.nanoTime() + timeout.toNanos();
        if (config.autoUpload() && !timeout.isZero()) {
            loop.flush(timeout);
        }
        loop.stop(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        db.close();
    }
}
