-- NuScape schema, version 8: profiles, a person (a child, say) whose devices are counted together. A device
-- belongs to at most one profile of its own account; dashboards asked for a profile read the devices
-- assigned to it now, so moving a device moves its history with it.
CREATE TABLE profiles (
    profile_id uuid        PRIMARY KEY,
    account_id uuid        NOT NULL REFERENCES accounts ON DELETE CASCADE,
    name       text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL,
    UNIQUE (account_id, profile_id)
);

-- The composite key keeps a device in a profile of its own account; deleting the profile unassigns.
ALTER TABLE devices ADD COLUMN profile_id uuid;
ALTER TABLE devices ADD CONSTRAINT devices_profile_same_account FOREIGN KEY (account_id, profile_id)
    REFERENCES profiles (account_id, profile_id) ON DELETE SET NULL (profile_id);
CREATE INDEX devices_by_profile ON devices (account_id, profile_id) WHERE profile_id IS NOT NULL;

-- Codes made for a profile enrol their device into it; a profile deleted meanwhile leaves the code unassigned.
ALTER TABLE enrollment_codes ADD CONSTRAINT enrollment_codes_profile_same_account FOREIGN KEY (account_id, profile_id)
    REFERENCES profiles (account_id, profile_id) ON DELETE SET NULL (profile_id);

GRANT SELECT, INSERT, UPDATE (name), DELETE ON profiles TO nuscape_api;
GRANT UPDATE (name, profile_id) ON devices TO nuscape_api;
GRANT INSERT (profile_id) ON devices TO nuscape_api;
GRANT UPDATE (profile_id) ON devices TO nuscape_erasure; -- an erased device leaves its profile
