-- Puts one kept entry back into the stream and removes it from where it was kept, atomically: a redrive
-- that dies half-way leaves it in one place or the other, never in neither (and the drainer's dedupe keys
-- make an entry drained twice count once).
-- KEYS: 1 stream, 2 the give-up or dead-letter stream it is kept in
-- ARGV: 1 its id there, 2.. the entry's own field, value pairs
local id = redis.call('XADD', KEYS[1], '*', unpack(ARGV, 2))
redis.call('XDEL', KEYS[2], ARGV[1])
return id
