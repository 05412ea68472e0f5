-- Raises a device's minimum token generation, never lowers it: two rotations whose writes arrive out of
-- order must not let the older token back in.
-- KEYS: 1 device key   ARGV: 1 generation
local current = tonumber(redis.call('HGET', KEYS[1], 'min_gen') or '0')
if tonumber(ARGV[1]) > current then
  redis.call('HSET', KEYS[1], 'min_gen', ARGV[1])
  return 1
end
return 0
