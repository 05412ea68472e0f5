-- Replaces a hash with the given fields in one step, so a reader never sees old and new fields mixed.
-- KEYS: 1 hash   ARGV: field, value, field, value, ...
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
