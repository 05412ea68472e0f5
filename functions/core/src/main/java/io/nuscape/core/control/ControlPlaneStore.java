package io.nuscape.core.control;

import io.nuscape.core.audit.Change;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The control plane's records, always addressed with the caller's account: an id of another account is
 * indistinguishable from an unknown one. Every change is written to the audit log in its own transaction,
 * as made by {@link Change}'s actor. The Postgres adapter lives in {@code nuscape-postgres}.
 */
public interface ControlPlaneStore {
    Account createAccount(String name, Change change) throws Exception;

    Device enrollDevice(UUID accountId, String name, String platform, Change change) throws Exception;

    List<Device> devices(UUID accountId) throws Exception;

    /** Raises the device's token generation; empty when the device is unknown, foreign or revoked. */
    Optional<Long> rotateToken(UUID accountId, UUID deviceId, Change change) throws Exception;

    /**
     * A device renewing its own token: raises the generation only if the token presented is still the
     * current one ({@code generation}) and the device is not revoked; empty otherwise.
     */
    Optional<Long> renewToken(UUID accountId, UUID deviceId, long generation, Change change) throws Exception;

    /**
     * What an admin changes of a device: its name (null: unchanged) and, when {@code assignProfile}, its
     * profile ({@code profileId} null: none).
     */
    record DevicePatch(String name, boolean assignProfile, UUID profileId) {
    }

    /**
     * Renames or (re)assigns the device; empty when it is unknown, foreign or erased. A profile of another
     * account (or none) is a 400 ApiException.
     */
    Optional<Device> updateDevice(UUID accountId, UUID deviceId, DevicePatch patch, Change change) throws Exception;

    /** Revokes the device and records an erasure request (or returns the one already pending); empty when unknown. */
    Optional<Erasure> requestErasure(UUID accountId, UUID deviceId, Change change) throws Exception;

    Optional<Erasure> erasure(UUID accountId, UUID erasureId) throws Exception;

    Policy policy(UUID accountId) throws Exception;

    Policy putPolicy(UUID accountId, Policy policy, Change change) throws Exception;

    /** Stores a new enrollment code by its hash; a profile of another account (or none) is a 400 ApiException. */
    void createEnrollmentCode(UUID accountId, byte[] codeHash, UUID profileId, Instant expiresAt, Change change) throws Exception;

    /**
     * Enrolls a device with a code, which is used up in the same transaction, into the code's profile if it
     * has one; empty when the code is unknown, used or expired at {@code now}.
     */
    Optional<Device> enrollWithCode(byte[] codeHash, String name, String platform, Instant now) throws Exception;

    // Fixtures and tools that act for nobody in particular: audited as "system".

    default Account createAccount(String name) throws Exception {
        return createAccount(name, Change.system(Instant.now()));
    }

    default Device enrollDevice(UUID accountId, String name, String platform) throws Exception {
        return enrollDevice(accountId, name, platform, Change.system(Instant.now()));
    }

    default Optional<Long> rotateToken(UUID accountId, UUID deviceId) throws Exception {
        return rotateToken(accountId, deviceId, Change.system(Instant.now()));
    }

    default Optional<Erasure> requestErasure(UUID accountId, UUID deviceId) throws Exception {
        return requestErasure(accountId, deviceId, Change.system(Instant.now()));
    }

    default Policy putPolicy(UUID accountId, Policy policy) throws Exception {
        return putPolicy(accountId, policy, Change.system(Instant.now()));
    }
}
