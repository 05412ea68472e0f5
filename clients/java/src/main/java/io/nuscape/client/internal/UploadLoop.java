package io.nuscape.client.internal;

import io.nuscape.client.ClientConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
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
                Optional<Credentials> credentials = db.read(Credentials::load);
                String halted = db.read(c -> ClientDatabase.meta(c, UploaderState.HALTED).orElse(null));
                long now = System.nanoTime();
                boolean pending = queue.pendingBatch().isPresent();
                long unbatched = queue.unbatched();
                boolean flushing;
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
                    blocked = false;
                    if (now < backoffUntilNanos) {
                        awaitChange(backoffUntilNanos - now);
                        continue;
                    }
                    boolean empty = !pending && unbatched == 0;
                    boolean due = !empty && (flushing || (config.autoUpload() && (pending || unbatched >= config.batchSize() || now >= nextTick)));
                    if (!due && config.autoUpload() && lastUnbatched + trackedSinceCheck >= config.batchSize()) {
                        continue; // a full batch may have been tracked while we counted: count again
                    }
                    if (!due) {
                        if (now >= nextTick) {
                            nextTick = now + config.uploadInterval().toNanos();
                        }
                        awaitChange(config.autoUpload() ? nextTick - now : Long.MAX_VALUE);
                        continue;
                    }
                } finally {
                    lock.unlock();
                }
                attempt(credentials.get());
                if (!pending && unbatched < config.batchSize()) {
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

    private void attempt(Credentials credentials) throws InterruptedException {
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
                if (current == null) {
                    return;
                }
                Optional<Batch> next = queue.nextBatch(config.batchSize(), config.maxBatchBytes(), batchIds.next(), clock.millis());
                if (next.isEmpty()) {
                    return;
                }
                Batch batch = next.get();
                ServerAnswer answer = api.uploadBatch(server, current.token(), batch.gzippedBody());
                noteServerTime(answer.serverTime());
                handle(batch, answer);
            } finally {
                held.release();
            }
        } catch (IOException e) {
            recordError("client: cannot lock " + lockFile + ": " + e.getMessage(), true);
            setBackoff(backoff.nextDelay(null));
        }
    }

    private void handle(Batch batch, ServerAnswer answer) {
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
            halt(UploaderState.REVOKED, revokedMessage(r.message()));
        } else if (answer instanceof ServerAnswer.TokenRejected t) {
            halt(UploaderState.TOKEN_REJECTED, describe(t.status(), t.error(), t.message()) + "; enroll the device again");
        } else if (answer instanceof ServerAnswer.Refused f) {
            queue.deadLetterBatch(batch.batchId(), f.status(), f.error(), f.body(), now);
            backoff.reset();
            recordError(describe(f.status(), f.error(), f.message()) + "; batch " + batch.batchId() + " moved to the dead letters", false);
        }
    }

    private String revokedMessage(String serverMessage) {
        String doubt = db.read(c -> ClientDatabase.meta(c, UploaderState.RENEWAL_IN_DOUBT_AT).orElse(null));
        String m = "403 device_revoked: " + serverMessage + "; uploads stopped, events stay queued until the device is enrolled again";
        return doubt == null ? m : m + " (a token renewal at " + doubt + " got no answer: the server may have replaced the token then)";
    }

    /**
     * Renews the token when, by the server's clock, it has less than {@code tokenRenewBefore} left. The server's
     * clock is its last {@code Date} plus the monotonic time since, so a jump of the device's clock changes nothing;
     * before any answer in this process, the device's clock plus the offset last seen.
     * Answers the credentials to upload with, or null when uploads must stop.
     */
    private Credentials renewIfDue(URI server, Credentials credentials) throws InterruptedException {
        if (credentials.expiresAt() == null) {
            return credentials;
        }
        Instant serverNow = lastServerTime != null ? lastServerTime.plusNanos(System.nanoTime() - lastServerNanos)
                : clock.instant().plusMillis(serverOffsetMs);
        if (Duration.between(serverNow, credentials.expiresAt()).compareTo(config.tokenRenewBefore()) > 0
                || System.nanoTime() < renewNotBeforeNanos) {
            return credentials;
        }
        ServerAnswer answer = api.renewToken(server, credentials.token());
        noteServerTime(answer.serverTime());
        if (answer instanceof ServerAnswer.Success s) {
            String token = s.body().path("token").asText(null);
            if (token == null) {
                recordError("token renewal answered without a token: " + s.body(), false);
                renewNotBeforeNanos = System.nanoTime() + renewalBackoff.nextDelay(null).toNanos();
                return credentials;
            }
            Instant expires = s.body().hasNonNull("expires_at") ? Instant.parse(s.body().get("expires_at").asText()) : TokenClaims.of(token).expiresAt();
            Credentials renewed = new Credentials(credentials.server(), credentials.deviceId(), token, expires);
            db.write(c -> {
                renewed.save(c);
                ClientDatabase.putMeta(c, UploaderState.RENEWAL_IN_DOUBT_AT, null);
                return null;
            });
            renewalBackoff.reset();
            return renewed;
        }
        if (answer instanceof ServerAnswer.Revoked r) {
            halt(UploaderState.REVOKED, revokedMessage(r.message()));
            return null;
        }
        if (answer instanceof ServerAnswer.TokenRejected t) {
            halt(UploaderState.TOKEN_REJECTED, "token renewal: " + describe(t.status(), t.error(), t.message()) + "; enroll the device again");
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
                : answer instanceof ServerAnswer.Refused f ? describe(f.status(), f.error(), f.message()) : answer.toString();
        recordError("token renewal failed: " + why + "; uploading with the current token", false);
        renewNotBeforeNanos = System.nanoTime() + renewalBackoff.nextDelay(null).toNanos();
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

    private void halt(String why, String message) {
        db.write(c -> {
            ClientDatabase.putMeta(c, UploaderState.HALTED, why);
            ClientDatabase.putMeta(c, UploaderState.HALTED_MESSAGE, message);
            ClientDatabase.putMeta(c, UploaderState.RETRYING, null);
            ClientDatabase.putMeta(c, UploaderState.LAST_ERROR, message);
            ClientDatabase.putMeta(c, UploaderState.LAST_ERROR_AT, clock.instant().toString());
            return null;
        });
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
