-- Reserves one guess (a sign-in or an enrollment code) against a counter, before the guess is checked, so
-- that guesses sent in parallel cannot all pass a check made before any of them is counted. The counter
-- lives one window from its first guess (later ones do not extend it, so a blocked client is let in again
-- when the window ends). At the limit nothing is counted and the wait is answered.
-- KEYS: 1 counter   ARGV: 1 limit, 2 window (ms)
-- Returns 0 when reserved, else the milliseconds until the window ends.
local n = redis.call('INCR', KEYS[1])
if n == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
if n > tonumber(ARGV[1]) then
  redis.call('DECR', KEYS[1])
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl <= 0 then
    ttl = tonumber(ARGV[2])
  end
  return ttl
end
return 0
