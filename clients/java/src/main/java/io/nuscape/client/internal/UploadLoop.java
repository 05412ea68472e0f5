package io.nuscape.client.internal;

import io.nuscape.client.ClientConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one thread that uploads: it forms a batch when {@code batchSize} events wait, at every
 * {@code uploadInterval}, or when someone flushes; sends it; and records the server's answer before it forms
 * the next. One upload at a time per device: within the process by being one thread, across processes by an OS
 * file lock held for the whole attempt. Every wait is measured with {@link System#nanoTime()} so that a jump of
 * the wall clock cannot stall it or make it hurry; the wall clock only stamps records.
 */
public final class UploadLoop {
    private final ClientDatabase db;
    private final UploadQueue queue;
    private final ServerApi api;
    private final ClientConfig config;
    private final Clock clock;
    private final Path lockFile;
    private final UuidV7 batchIds = new UuidV7();
    private final Backoff backoff;
    private final Backoff renewalBackoff;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private Thread thread;
    private boolean stopping;
    private int flushWaiters;
    private int trackedSinceCheck;
    /** Events not in a batch as the last cycle counted them: with those tracked since, whether a full batch waits. */
    private long lastUnbatched;
    /** Bumped by {@link #wake()} and {@link #stop}: a cycle that saw another value must look again before it sleeps. */
    private long wakeups;
    private long wakeupsSeen;
    /** The lowest seq still queued after the last cycle (Long.MAX_VALUE: empty); flushes wait for it to pass theirs. */
    private long minQueuedSeq = Long.MIN_VALUE;
    /** Loop cycles begun so far: a flush counts only what cycles after it saw. */
    private long cycles;
    /** Uploads cannot go on until someone enrolls (not enrolled, revoked, token refused). */
    private boolean blocked;
    private long backoffUntilNanos;
    private long renewNotBeforeNanos;
    private long serverOffsetMs;
    private long persistedOffsetMs;
    /** The server's clock at its last answer, and our monotonic time then: the server's time now, whatever our wall clock did since. */
    private Instant lastServerTime;
    private long lastServerNanos;
    /** Events per batch now: halved from {@code batchSize} each time the server finds a batch too large. */
    private int batchLimit;
    /**
     * A renewed token the database has not taken yet (the write failed): the server already replaced the old one,
     * so this is the only token that works. Used, and saved again every cycle until a write succeeds.
     */
    private Credentials unsavedRenewal;
    /** The token {@link #unsavedRenewal} replaced: it is saved only over that one, never over a newer enrollment. */
    private String unsavedRenewalReplaces;

    public UploadLoop(ClientDatabase db, UploadQueue queue, ServerApi api, ClientConfig config) {
        this.db = db;
        this.queue = queue;
        this.api = api;
        this.config = config;
        this.clock = config.clock();
        this.lockFile = db.file().resolveSibling(db.file().getFileName() + ".upload-lock");
        this.backoff = new Backoff(config.backoffBase(), config.backoffCap(), config.maxRetryAfter());
        this.renewalBackoff = new Backoff(Duration.ofMinutes(1), Duration.ofHours(6), config.maxRetryAfter());
        this.serverOffsetMs = db.read(c -> ClientDatabase.metaLong(c, UploaderState.SERVER_OFFSET_MS));
        this.persistedOffsetMs = serverOffsetMs;
        this.batchLimit = config.batchSize();
        db.write(c -> {
            // Earlier versions stopped for good on a refused token (halted "token_rejected"): now it is probed again.
            if (ClientDatabase.meta(c, UploaderState.HALTED).filter(UploaderState.TOKEN_REJECTED::equals).isPresent()) {
                ClientDatabase.putMeta(c, UploaderState.TOKEN_REFUSED,
                        ClientDatabase.meta(c, UploaderState.HALTED_MESSAGE).orElse(UploaderState.TOKEN_REJECTED));
                ClientDatabase.putMeta(c, UploaderState.HALTED, null);
                ClientDatabase.putMeta(c, UploaderState.HALTED_MESSAGE, null);
            }
            return null;
        });
        if (db.read(c -> ClientDatabase.meta(c, UploaderState.TOKEN_REFUSED)).isPresent()) {
            // Refused before the restart: probe at the slow pace, do not hammer the server at every start.
            this.backoffUntilNanos = System.nanoTime() + config.tokenRejectedRetry().toNanos();
        }
    }

    public void start() {
        lock.lock();
        try {
            if (thread != null) {
                return;
            }
            thread = new Thread(this::run, "nuscape-uploader");
            thread.setDaemon(true);
            thread.start();
        } finally {
            lock.unlock();
        }
    }

    /** Called after each track: a full batch's worth of new events wakes the loop without waiting for the interval. */
    public void tracked() {
        lock.lock();
        try {
            if (lastUnbatched + ++trackedSinceCheck >= config.batchSize()) {
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Something outside changed what the loop may do (enrolled, new token): look again now. */
    public void wake() {
        lock.lock();
        try {
            blocked = false;
            backoffUntilNanos = 0;
            wakeups++;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until every event queued before the call has left the queue (accepted, or a dead letter), at most
     * {@code timeout}; false when time ran out or uploads are stopped (not enrolled, revoked, token refused).
     * Backoff still applies: a flush does not hammer a server that asked to wait.
     */
    public boolean flush(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long target = db.read(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT coalesce(max(seq), 0) FROM events"); ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
        if (target == 0) {
            return true;
        }
        lock.lock();
        try {
            flushWaiters++;
            long startCycle = cycles;
            // A cycle reading the queue right now may have seen it empty: make it look again instead of sleeping.
            wakeups++;
            changed.signalAll();
            try {
                while (true) {
                    // Only a cycle that began after this call has seen the queue as it is now.
                    if (cycles > startCycle && minQueuedSeq > target) {
                        return true;
                    }
                    // Stopped uploads count only as seen after this call: another process may have enrolled meanwhile.
                    if (stopping || blocked && cycles > startCycle) {
                        return false;
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    changed.awaitNanos(left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } finally {
                flushWaiters--;
            }
        } finally {
            lock.unlock();
        }
    }

    /** Stops the loop: an upload in flight may finish within {@code timeout}, then it is interrupted. */
    public void stop(Duration timeout) {
        Thread t;
        lock.lock();
        try {
            stopping = true;
            wakeups++;
            changed.signalAll();
            t = thread;
        } finally {
            lock.unlock();
        }
        if (t == null) {
            return;
        }
        try {
            t.join(Math.max(1, timeout.toMillis()));
            if (t.isAlive()) {
                t.interrupt();
                t.join(1000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        long nextTick = System.nanoTime() + config.uploadInterval().toNanos();
        while (true) {
            try {
                lock.lock();
                try {
                    if (stopping) {
                        return;
                    }
                } finally {
                    lock.unlock();
                }
                lock.lock();
                try {
                    // Tracks from here on count toward the next look, whether or not the reads below see them.
                    trackedSinceCheck = 0;
                    wakeupsSeen = wakeups;
                } finally {
                    lock.unlock();
                }
                Optional<Credentials> credentials = withUnsavedRenewal(db.read(Credentials::load));
                String halted = db.read(c -> ClientDatabase.meta(c, UploaderState.HALTED).orElse(null));
                boolean tokenRefused = db.read(c -> ClientDatabase.meta(c, UploaderState.TOKEN_REFUSED)).isPresent();
                long now = System.nanoTime();
                boolean pending = queue.pendingBatch().isPresent();
                long unbatched = queue.unbatched();
                boolean flushing;
                boolean due;
                boolean renew;
                lock.lock();
                try {
                    lastUnbatched = unbatched;
                    refreshMinSeq();
                    cycles++;
                    changed.signalAll();
                    flushing = flushWaiters > 0;
                    if (credentials.isEmpty() || halted != null || credentials.get().server() == null && config.serverUrl() == null) {
                        blocked = true;
                        changed.signalAll();
                        // Look again now and then: another process (the command line) may enroll this database.
                        awaitChange(Math.max(config.uploadInterval().toNanos(), Duration.ofSeconds(5).toNanos()));
                        continue;
                    }
                    // A refused token is probed again after its (long) wait; until then flushes cannot finish.
                    blocked = tokenRefused && now < backoffUntilNanos;
                    if (blocked) {
                        changed.signalAll();
                    }
                    if (now < backoffUntilNanos) {
                        awaitChange(backoffUntilNanos - now);
                        continue;
                    }
                    boolean empty = !pending && unbatched == 0;
                    due = !empty && (flushing || (config.autoUpload() && (pending || unbatched >= batchLimit || now >= nextTick)));
                    if (!due && config.autoUpload() && lastUnbatched + trackedSinceCheck >= batchLimit) {
                        continue; // a full batch may have been tracked while we counted: count again
                    }
                    renew = renewalDue(credentials.get());
                    if (!due && !renew) {
                        if (now >= nextTick) {
                            nextTick = now + config.uploadInterval().toNanos();
                        }
                        // Without uploads in the background, still wake every interval: the token may need renewing.
                        awaitChange(nextTick - now);
                        continue;
                    }
                } finally {
                    lock.unlock();
                }
                attempt(credentials.get(), due);
                if (due && !pending && unbatched < batchLimit) {
                    // A partial batch went out: the next partial one waits a full interval.
                    nextTick = System.nanoTime() + config.uploadInterval().toNanos();
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // The database or an unexpected answer: record it and back off like any failure, never die.
                recordError("client: " + e, true);
                lock.lock();
                try {
                    backoffUntilNanos = System.nanoTime() + backoff.nextDelay(null).toNanos();
                } finally {
                    lock.unlock();
                }
            }
        }
    }

    /** Called with the lock held; returns at once when a wake-up came while this cycle was reading. */
    private void awaitChange(long nanos) throws InterruptedException {
        if (stopping || wakeups != wakeupsSeen) {
            return;
        }
        if (nanos == Long.MAX_VALUE) {
            changed.await();
        } else if (nanos > 0) {
            changed.awaitNanos(nanos);
        }
    }

    private void refreshMinSeq() {
        minQueuedSeq = db.read(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT min(seq) FROM events"); ResultSet rs = s.executeQuery()) {
                rs.next();
                long v = rs.getLong(1);
                return rs.wasNull() ? Long.MAX_VALUE : v;
            }
        });
    }

    /**
     * The credentials to use: the stored ones, unless a renewed token could not be saved yet, which is then saved
     * now (over the token it replaced only: a newer enrollment wins) and used whether or not the save succeeds.
     */
    private Optional<Credentials> withUnsavedRenewal(Optional<Credentials> stored) {
        Credentials renewed = unsavedRenewal;
        if (renewed == null) {
            return stored;
        }
        if (stored.isEmpty() || !stored.get().token().equals(unsavedRenewalReplaces)) {
            // Saved meanwhile, or replaced by an enrollment: either way the database holds the token to use.
            unsavedRenewal = null;
            unsavedRenewalReplaces = null;
            return stored;
        }
        try {
            saveRenewal(unsavedRenewalReplaces, renewed);
            unsavedRenewal = null;
            unsavedRenewalReplaces = null;
        } catch (RuntimeException e) {
            recordError("client: cannot save the renewed token (" + e.getMessage() + "); using it and trying again", true);
        }
        return Optional.of(renewed);
    }

    /** Saves a renewed token over the one it replaced; false when that one is gone (enrolled again meanwhile). Throws when the write fails. */
    private boolean saveRenewal(String replaced, Credentials renewed) {
        return db.write(c -> {
            if (!storedTokenIs(c, replaced)) {
                return false;
            }
            renewed.save(c);
            ClientDatabase.putMeta(c, UploaderState.RENEWAL_IN_DOUBT_AT, null);
            ClientDatabase.putMeta(c, UploaderState.TOKEN_REFUSED, null);
            return true;
        });
    }

    private static boolean storedTokenIs(Connection c, String token) throws SQLException {
        return ClientDatabase.meta(c, Credentials.TOKEN).map(token::equals).orElse(false);
    }

    private void attempt(Credentials credentials, boolean upload) throws InterruptedException {
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock held = channel.tryLock();
            if (held == null) {
                // Another process of this device is uploading; look again shortly.
                setBackoff(Duration.ofMillis(Math.min(1000, config.uploadInterval().toMillis())));
                return;
            }
            try {
                URI server = config.serverUrl() != null ? config.serverUrl() : credentials.server();
                Credentials current = renewIfDue(server, credentials);
                if (current == null || !upload) {
                    return;
                }
                Optional<Batch> next = queue.nextBatch(batchLimit, config.maxBatchBytes(), batchIds.next(), clock.millis());
                if (next.isEmpty()) {
                    return;
                }
                Batch batch = next.get();
                ServerAnswer answer = api.uploadBatch(server, current.token(), batch.gzippedBody());
                noteServerTime(answer.serverTime());
                handle(batch, answer, current.token());
            } finally {
                held.release();
            }
        } catch (IOException e) {
            recordError("client: cannot lock " + lockFile + ": " + e.getMessage(), true);
            setBackoff(backoff.nextDelay(null));
        }
    }

    private void handle(Batch batch, ServerAnswer answer, String token) {
        long now = clock.millis();
        if (answer instanceof ServerAnswer.Success s) {
            String echoed = s.body().path("batch_id").asText(null);
            if (echoed != null && !echoed.equals(batch.batchId())) {
                recordError("server answered for batch " + echoed + " when sent " + batch.batchId() + "; will send again", true);
                setBackoff(backoff.nextDelay(null));
                return;
            }
            queue.accepted(batch.batchId(), s.body(), now);
            backoff.reset();
        } else if (answer instanceof ServerAnswer.RetryLater r) {
            Duration wait = backoff.nextDelay(r.retryAfter());
            recordError(describe(r.status(), r.error(), r.message()) + "; retrying in " + wait.toMillis() + " ms", true);
            setBackoff(wait);
        } else if (answer instanceof ServerAnswer.Revoked r) {
            halt(UploaderState.REVOKED, revokedMessage(r.message()), token);
        } else if (answer instanceof ServerAnswer.TokenRejected t) {
            tokenRefused(describe(t.status(), t.error(), t.message()), token);
        } else if (answer instanceof ServerAnswer.Unexpected u) {
            // A wrong URL or a proxy answers every batch alike: dead-lettering would empty the queue into the bin.
            backoff.nextDelay(null);
            Duration wait = config.backoffCap();
            recordError(describe(u.status(), u.error(), u.message()) + "; not an answer of the NuScape API (is the server URL right?),"
                    + " batch kept, retrying in " + wait.toMillis() + " ms", true);
            setBackoff(wait);
        } else if (answer instanceof ServerAnswer.Refused f) {
            if (tooLarge(f) && batch.eventCount() > 1) {
                // Nothing of a refused batch was queued by the server: its events may go again, in halves, under new batch ids.
                batchLimit = Math.max(1, batch.eventCount() / 2);
                queue.unbatch(batch.batchId());
                recordError(describe(f.status(), f.error(), f.message()) + "; batch " + batch.batchId() + " split: at most "
                        + batchLimit + " events per batch now", true);
                return;
            }
            queue.deadLetterBatch(batch.batchId(), f.status(), f.error(), f.body(), now);
            // Not a success: dead letters one after another slow down like any other failure.
            setBackoff(backoff.nextDelay(null));
            recordError(describe(f.status(), f.error(), f.message()) + "; batch " + batch.batchId() + " moved to the dead letters", false);
        }
    }

    /** A 413, or the 400 the server answers for more events than it takes per batch. */
    static boolean tooLarge(ServerAnswer.Refused f) {
        return f.status() == 413 || "payload_too_large".equals(f.error())
                || "invalid_request".equals(f.error()) && f.message() != null && f.message().contains("too many events");
    }

    /**
     * The server refused the token (401, or a 403 other than revoked): shown in the status and probed again after
     * {@code tokenRejectedRetry}, since a server's clock or keys may be at fault as well as the token.
     */
    private void tokenRefused(String what, String token) {
        backoff.nextDelay(null);
        Duration wait = config.tokenRejectedRetry();
        String message = what + "; trying again in " + wait.toSeconds() + " s; enroll the device again if it persists";
        boolean current = db.write(c -> {
            if (!storedTokenIs(c, token) && !token.equals(unsavedRenewal == null ? null : unsavedRenewal.token())) {
                return false; // enrolled again meanwhile: the refusal was of a token no longer used
            }
            ClientDatabase.putMeta(c, UploaderState.TOKEN_REFUSED, message);
            ClientDatabase.putMeta(c, UploaderState.RETRYING, null);
            ClientDatabase.putMeta(c, UploaderState.LAST_ERROR, message);
            ClientDatabase.putMeta(c, UploaderState.LAST_ERROR_AT, clock.instant().toString());
            return true;
        });
        if (current) {
            lock.lock();
            try {
                backoffUntilNanos = System.nanoTime() + wait.toNanos();
                blocked = true;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    private String revokedMessage(String serverMessage) {
        String doubt = db.read(c -> ClientDatabase.meta(c, UploaderState.RENEWAL_IN_DOUBT_AT).orElse(null));
        String m = "403 device_revoked: " + serverMessage + "; uploads stopped, events stay queued until the device is enrolled again";
        return doubt == null ? m : m + " (a token renewal at " + doubt + " got no answer: the server may have replaced the token then)";
    }

    /**
     * Whether the token should be renewed now: when, by the server's clock, it has less than
     * {@code min(tokenRenewBefore, lifetime / 3)} left (so a short-lived token is not renewed before every batch),
     * and no failed renewal asked to wait. The server's clock is its last {@code Date} plus the monotonic time
     * since, so a jump of the device's clock changes nothing; before any answer in this process, the device's
     * clock plus the offset last seen.
     */
    private boolean renewalDue(Credentials credentials) {
        if (credentials.expiresAt() == null || System.nanoTime() < renewNotBeforeNanos) {
            return false;
        }
        Duration before = config.tokenRenewBefore();
        try {
            TokenClaims claims = TokenClaims.of(credentials.token());
            if (claims.issuedAt() != null && claims.issuedAt().isBefore(claims.expiresAt())) {
                Duration third = Duration.between(claims.issuedAt(), claims.expiresAt()).dividedBy(3);
                before = third.compareTo(before) < 0 ? third : before;
            }
        } catch (IllegalArgumentException notAJwt) {
            // An opaque token: its lifetime is unknown, tokenRenewBefore alone decides.
        }
        Instant serverNow = lastServerTime != null ? lastServerTime.plusNanos(System.nanoTime() - lastServerNanos)
                : clock.instant().plusMillis(serverOffsetMs);
        return Duration.between(serverNow, credentials.expiresAt()).compareTo(before) <= 0;
    }

    /** Renews the token when {@link #renewalDue} says so. Answers the credentials to upload with, or null when not now. */
    private Credentials renewIfDue(URI server, Credentials credentials) throws InterruptedException {
        if (!renewalDue(credentials)) {
            return credentials;
        }
        ServerAnswer answer = api.renewToken(server, credentials.token());
        noteServerTime(answer.serverTime());
        if (answer instanceof ServerAnswer.Success s) {
            String token = s.body().path("token").asText(null);
            if (token == null) {
                recordError("token renewal answered without a token: " + answer, false);
                renewNotBeforeNanos = System.nanoTime() + renewalBackoff.nextDelay(null).toNanos();
                return credentials;
            }
            // The old token stopped working with this answer: nothing may stand between it and the new token's use.
            Credentials renewed = new Credentials(credentials.server(), credentials.deviceId(), token, TokenClaims.expiryOf(s.body(), token));
            renewalBackoff.reset();
            if (renewalDue(renewed)) {
                // A server whose tokens live less than tokenRenewBefore (and do not say since when): not every cycle.
                renewNotBeforeNanos = System.nanoTime() + renewalBackoff.nextDelay(null).toNanos();
            }
            try {
                if (!saveRenewal(credentials.token(), renewed)) {
                    return null; // enrolled again while renewing: the next cycle uses the new enrollment
                }
                unsavedRenewal = null;
                unsavedRenewalReplaces = null;
            } catch (RuntimeException e) {
                unsavedRenewal = renewed;
                unsavedRenewalReplaces = credentials.token();
                recordError("client: cannot save the renewed token (" + e.getMessage() + "); using it and trying again", true);
            }
            return renewed;
        }
        if (answer instanceof ServerAnswer.Revoked r) {
            halt(UploaderState.REVOKED, revokedMessage(r.message()), credentials.token());
            return null;
        }
        if (answer instanceof ServerAnswer.TokenRejected t) {
            tokenRefused("token renewal: " + describe(t.status(), t.error(), t.message()), credentials.token());
            return null;
        }
        if (answer instanceof ServerAnswer.RetryLater r && r.status() == 0) {
            // No answer: the server may have renewed, and then the token we hold no longer works. Nothing to do but note it.
            db.write(c -> {
                ClientDatabase.putMeta(c, UploaderState.RENEWAL_IN_DOUBT_AT, clock.instant().toString());
                return null;
            });
        }
        String why = answer instanceof ServerAnswer.RetryLater r ? describe(r.status(), r.error(), r.message())
                : answer instanceof ServerAnswer.Refused f ? describe(f.status(), f.error(), f.message())
                : answer instanceof ServerAnswer.Unexpected u ? describe(u.status(), u.error(), u.message()) : answer.toString();
        Duration wait = renewalBackoff.nextDelay(answer instanceof ServerAnswer.RetryLater r ? r.retryAfter() : null);
        recordError("token renewal failed: " + why + "; uploading with the current token, renewing again in " + wait.toSeconds() + " s", false);
        renewNotBeforeNanos = System.nanoTime() + wait.toNanos();
        return credentials;
    }

    private void noteServerTime(Instant serverTime) {
        if (serverTime == null) {
            return;
        }
        lastServerTime = serverTime;
        lastServerNanos = System.nanoTime();
        long offset = serverTime.toEpochMilli() - clock.millis();
        serverOffsetMs = offset;
        // The Date header has whole seconds: persist only changes larger than its resolution (each write is a sync).
        if (Math.abs(offset - persistedOffsetMs) > 2000) {
            persistedOffsetMs = offset;
            db.write(c -> {
                ClientDatabase.putMeta(c, UploaderState.SERVER_OFFSET_MS, Long.toString(offset));
                return null;
            });
        }
    }

    private void setBackoff(Duration wait) {
        lock.lock();
        try {
            backoffUntilNanos = System.nanoTime() + wait.toNanos();
        } finally {
            lock.unlock();
        }
    }

    /** Stops uploads for good (until enrolled again), unless the token refused is no longer the one stored: a newer enrollment wins. */
    private void halt(String why, String message, String token) {
        boolean current = db.write(c -> {
            if (!storedTokenIs(c, token) && !token.equals(unsavedRenewal == null ? null : unsavedRenewal.token())) {
                return false;
            }
            ClientDatabase.putMeta(c, UploaderState.HALTED, why);
            ClientDatabase.putMeta(c, UploaderState.HALTED_MESSAGE, message);
            ClientDatabase.putMeta(c, UploaderState.RETRYING, null);
            ClientDatabase.putMeta(c, UploaderState.LAST_ERROR, message);
            ClientDatabase.putMeta(c, UploaderState.LAST_ERROR_AT, clock.instant().toString());
            return true;
        });
        if (!current) {
            return;
        }
        lock.lock();
        try {
            blocked = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void recordError(String message, boolean retrying) {
        try {
            db.write(c -> {
                ClientDatabase.putMeta(c, UploaderState.LAST_ERROR, message);
                ClientDatabase.putMeta(c, UploaderState.LAST_ERROR_AT, clock.instant().toString());
                ClientDatabase.putMeta(c, UploaderState.RETRYING, retrying ? "true" : null);
                return null;
            });
        } catch (RuntimeException e) {
            // The database itself failing is what we were about to report; the status shows the older error.
        }
    }

    static String describe(int status, String error, String message) {
        String head = status == 0 ? error : status + " " + error;
        return message == null || message.isBlank() ? head : head + ": " + message;
    }

    /** For status: how long until the next attempt when backing off (zero when none is planned). */
    public Duration backoffLeft() {
        lock.lock();
        try {
            long left = backoffUntilNanos - System.nanoTime();
            return left > 0 ? Duration.ofNanos(left) : Duration.ZERO;
        } finally {
            lock.unlock();
        }
    }
}
