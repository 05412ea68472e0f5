-- Acknowledges drained entries and deletes them at once, atomically. Deleting as they are acknowledged
-- keeps XLEN equal to what is still owed (pending + undelivered), which is what ingest's backlog cap must
-- count: a trim could only cut below the oldest pending entry, so one slow entry would otherwise hold up
-- the count for everything acknowledged after it.
-- KEYS: 1 stream, 2 failures hash
-- ARGV: 1 group, 2.. entry ids
local ids = {unpack(ARGV, 2)}
local acked = redis.call('XACK', KEYS[1], ARGV[1], unpack(ids))
redis.call('XDEL', KEYS[1], unpack(ids))
redis.call('HDEL', KEYS[2], unpack(ids))
return acked
