-- Rewrites devices' revocations from Postgres (IngestRuleReconciler): a revoked device is marked erased,
-- a minimum token generation is only ever raised, as in raise-min-gen.lua.
-- KEYS: device keys of one shard   ARGV: per key, its minimum token generation, then '1' if revoked else '0'
for i, key in ipairs(KEYS) do
  if ARGV[2 * i] == '1' then
    redis.call('HSET', key, 'erased', '1')
  end
  local current = tonumber(redis.call('HGET', key, 'min_gen') or '0')
  if tonumber(ARGV[2 * i - 1]) > current then
    redis.call('HSET', key, 'min_gen', ARGV[2 * i - 1])
  end
end
return #KEYS
