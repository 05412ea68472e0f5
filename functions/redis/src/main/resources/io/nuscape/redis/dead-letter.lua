-- Records a dead letter (the events of an entry that failed re-validation) and counts it, atomically. The
-- entry itself is acknowledged with the rest of its batch once its valid events are committed.
-- KEYS: 1 dead-letter stream, 2 counters
-- ARGV: 1 dead-letter max length, 2.. field, value pairs
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', unpack(ARGV, 2))
redis.call('HINCRBY', KEYS[2], 'dlq_entries', 1)
return 1
