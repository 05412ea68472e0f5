-- Moves a whole stream entry to the give-up stream and acknowledges it, atomically: the entry is either
-- still pending or safely recorded, never lost between the two. The give-up stream is never trimmed.
-- KEYS: 1 give-up stream, 2 stream, 3 failures hash, 4 counters
-- ARGV: 1 group, 2 entry id, 3.. field, value pairs (the entry's own fields, then gave_up_* fields)
redis.call('XADD', KEYS[1], '*', unpack(ARGV, 3))
redis.call('XACK', KEYS[2], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[2], ARGV[2])
redis.call('HDEL', KEYS[3], ARGV[2])
redis.call('HINCRBY', KEYS[4], 'entries_given_up', 1)
return 1
