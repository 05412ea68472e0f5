-- Counts one failed sign-in; the counter lives one window from its first failure (later failures do not
-- extend it, so a blocked client is let in again when the window ends).
-- KEYS: 1 counter   ARGV: 1 window (ms)
local n = redis.call('INCR', KEYS[1])
if n == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return n
