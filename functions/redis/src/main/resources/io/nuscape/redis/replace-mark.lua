-- Replaces a shard's reconcile mark only if it still is the one the caller read (compare-and-set), so a
-- run never writes a mark over one it did not see: not another run's, not the absence of one after Redis
-- lost its data.
-- KEYS: 1 the mark   ARGV: 1 expected ('' = none, or one of another shard layout), 2 new mark,
--                          3 this layout's prefix ('shards=N;')
local current = redis.call('GET', KEYS[1]) or ''
if ARGV[1] == '' then
  if current ~= '' and string.sub(current, 1, #ARGV[3]) == ARGV[3] then
    return 0
  end
elseif current ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[2])
return 1
