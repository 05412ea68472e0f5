-- One ingest request, atomically, in one round trip. Every key shares the shard's hash tag.
-- KEYS: 1 stream, 2 dead-letter stream, 3 batch answer (a never-written key when there is no batch id),
--       4 account (rate_limit_events_per_minute from the control plane; tokens, at: the bucket),
--       5 device revocation, 6 counters, 7 the device's batch answers (ids by expiry, so an erasure finds them)
-- ARGV: 1 token generation, 2 has batch id (1/0), 3 rate cost (events), 4 default rate (events/min),
--       5 backlog cap (entries), 6 answer TTL (s), 7 accepted, 8 rejected, 9 answer JSON,
--       10 encoded events, 11 account, 12 device, 13 batch id, 14 dead-letter JSON, 15 dead-letter max length,
--       16 mode: 'run', or 'probe' (reads only: used to prime a SnapStart snapshot),
--       17 the time (epoch ms) ingest checked the events' time bounds against: the entry's recv, so that the
--          drainer re-checks against the same instant and not against this server's clock
local device = redis.call('HMGET', KEYS[5], 'erased', 'min_gen')
if ARGV[16] == 'probe' then
  return {'probe', tostring(redis.call('XLEN', KEYS[1]))}
end
if device[1] then
  return {'revoked'}
end
if device[2] and tonumber(ARGV[1]) < tonumber(device[2]) then
  return {'revoked'}
end

if ARGV[2] == '1' then
  local previous = redis.call('GET', KEYS[3])
  if previous then
    redis.call('HINCRBY', KEYS[6], 'batches_duplicate', 1)
    return {'duplicate', previous}
  end
end

local accepted = tonumber(ARGV[7])
local rejected = tonumber(ARGV[8])

-- Backpressure: refuse rather than trim. XLEN counts entries not yet trimmed by the drainer.
if accepted > 0 and redis.call('XLEN', KEYS[1]) >= tonumber(ARGV[5]) then
  redis.call('HINCRBY', KEYS[6], 'requests_backlogged', 1)
  return {'backlog'}
end

-- Token bucket per account: capacity one minute of the limit, refilled continuously.
local account = redis.call('HMGET', KEYS[4], 'rate_limit_events_per_minute', 'tokens', 'at')
local limit = tonumber(account[1] or ARGV[4])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
if limit <= 0 then
  redis.call('HINCRBY', KEYS[6], 'requests_rate_limited', 1)
  return {'rate', '60'}
end
local tokens = tonumber(account[2]) or limit
local at = tonumber(account[3]) or now
if now > at then
  tokens = tokens + (now - at) * limit / 60000
  at = now
end
tokens = math.min(limit, tokens)
-- A batch costing more than the bucket holds is still admitted when the bucket is full (a legal batch must
-- be countable), but it is charged in full: the bucket goes into debt and refills from there, so over time
-- no account gets more than its limit, however its batches are shaped.
local cost = tonumber(ARGV[3])
local needed = math.min(cost, limit)
if tokens < needed then
  redis.call('HINCRBY', KEYS[6], 'requests_rate_limited', 1)
  return {'rate', tostring(math.ceil((needed - tokens) * 60 / limit))}
end
redis.call('HSET', KEYS[4], 'tokens', tostring(tokens - cost), 'at', tostring(at))

local id = ''
if accepted > 0 then
  id = redis.call('XADD', KEYS[1], '*', 'v', '1', 'acct', ARGV[11], 'dev', ARGV[12], 'batch', ARGV[13],
    'gen', ARGV[1], 'recv', ARGV[17], 'n', ARGV[7], 'events', ARGV[10])
  redis.call('HINCRBY', KEYS[6], 'events_accepted', accepted)
end
if rejected > 0 then
  -- The dead-letter stream is a record, not undrained work: bounding it loses no accepted event.
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[15], '*', 'source', 'ingest', 'acct', ARGV[11],
    'dev', ARGV[12], 'batch', ARGV[13], 'at', tostring(now), 'rejected', ARGV[14])
  redis.call('HINCRBY', KEYS[6], 'events_rejected', rejected)
  redis.call('HINCRBY', KEYS[6], 'dlq_entries', 1)
end
if ARGV[2] == '1' then
  redis.call('SET', KEYS[3], ARGV[9], 'EX', ARGV[6])
  local ttl = tonumber(ARGV[6]) * 1000
  redis.call('ZREMRANGEBYSCORE', KEYS[7], '-inf', now)
  redis.call('ZADD', KEYS[7], now + ttl, ARGV[13])
  redis.call('PEXPIRE', KEYS[7], ttl)
end
return {'ok', id}
