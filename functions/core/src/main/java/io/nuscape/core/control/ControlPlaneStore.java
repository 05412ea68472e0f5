package io.nuscape.core.control;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The control plane's records, always addressed with the caller's account: an id of another account is
 * indistinguishable from an unknown one. The Postgres adapter lives in {@code nuscape-postgres}.
 */
public interface ControlPlaneStore {
    Account createAccount(String name) throws Exception;

    Device enrollDevice(UUID accountId, String name, String platform) throws Exception;

    List<Device> devices(UUID accountId) throws Exception;

    /** Raises the device's token generation; empty when the device is unknown, foreign or revoked. */
    Optional<Long> rotateToken(UUID accountId, UUID deviceId) throws Exception;

    /** Revokes the device and records an erasure request (or returns the one already pending); empty when unknown. */
    Optional<Erasure> requestErasure(UUID accountId, UUID deviceId) throws Exception;

    Optional<Erasure> erasure(UUID accountId, UUID erasureId) throws Exception;

    Policy policy(UUID accountId) throws Exception;

    Policy putPolicy(UUID accountId, Policy policy) throws Exception;
}
