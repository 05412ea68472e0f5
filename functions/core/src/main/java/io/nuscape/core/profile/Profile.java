package io.nuscape.core.profile;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** A person (a child, say) whose devices are counted together, with the devices assigned to it now. */
public record Profile(UUID profileId, UUID accountId, String name, Instant createdAt, List<UUID> deviceIds) {
    public Profile {
        deviceIds = List.copyOf(deviceIds);
    }
}
