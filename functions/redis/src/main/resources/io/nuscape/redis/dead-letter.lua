-- Moves a stream entry (or what failed of it) to the dead-letter stream and acknowledges it, atomically.
-- KEYS: 1 dead-letter stream, 2 stream, 3 counters
-- ARGV: 1 group, 2 entry id ('' to acknowledge nothing), 3 dead-letter max length, 4.. field, value pairs
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', unpack(ARGV, 4))
redis.call('HINCRBY', KEYS[3], 'dlq_entries', 1)
if ARGV[2] ~= '' then
  redis.call('XACK', KEYS[2], ARGV[1], ARGV[2])
end
return 1
