-- One ingest request, atomically, in one round trip. Every key shares the shard's hash tag.
-- KEYS: 1 stream, 2 dead-letter stream, 3 batch answer (a never-written key when there is no batch id),
--       4 rate bucket, 5 account policy, 6 device revocation, 7 counters
-- ARGV: 1 token generation, 2 has batch id (1/0), 3 rate cost (events), 4 default rate (events/min),
--       5 backlog cap (entries), 6 answer TTL (s), 7 accepted, 8 rejected, 9 answer JSON,
--       10 encoded events, 11 account, 12 device, 13 batch id, 14 dead-letter JSON, 15 dead-letter max length,
--       16 mode: 'run', or 'probe' (reads only: used to prime a SnapStart snapshot)
local device = redis.call('HMGET', KEYS[6], 'erased', 'min_gen')
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
    redis.call('HINCRBY', KEYS[7], 'batches_duplicate', 1)
    return {'duplicate', previous}
  end
end

local accepted = tonumber(ARGV[7])
local rejected = tonumber(ARGV[8])

-- Backpressure: refuse rather than trim. XLEN counts entries not yet trimmed by the drainer.
if accepted > 0 and redis.call('XLEN', KEYS[1]) >= tonumber(ARGV[5]) then
  redis.call('HINCRBY', KEYS[7], 'requests_backlogged', 1)
  return {'backlog'}
end

-- Token bucket per account: capacity one minute of the limit, refilled continuously.
local limit = tonumber(redis.call('HGET', KEYS[5], 'rate_limit_events_per_minute') or ARGV[4])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
if limit <= 0 then
  redis.call('HINCRBY', KEYS[7], 'requests_rate_limited', 1)
  return {'rate', '60'}
end
local bucket = redis.call('HMGET', KEYS[4], 'tokens', 'at')
local tokens = tonumber(bucket[1]) or limit
local at = tonumber(bucket[2]) or now
if now > at then
  tokens = math.min(limit, tokens + (now - at) * limit / 60000)
  at = now
end
local cost = math.min(tonumber(ARGV[3]), limit)
if tokens < cost then
  redis.call('HINCRBY', KEYS[7], 'requests_rate_limited', 1)
  return {'rate', tostring(math.ceil((cost - tokens) * 60 / limit))}
end
redis.call('HSET', KEYS[4], 'tokens', tostring(tokens - cost), 'at', tostring(at))
redis.call('PEXPIRE', KEYS[4], 120000)

local id = ''
if accepted > 0 then
  id = redis.call('XADD', KEYS[1], '*', 'v', '1', 'acct', ARGV[11], 'dev', ARGV[12], 'batch', ARGV[13],
    'gen', ARGV[1], 'recv', tostring(now), 'n', ARGV[7], 'events', ARGV[10])
  redis.call('HINCRBY', KEYS[7], 'events_accepted', accepted)
  redis.call('HINCRBY', KEYS[7], 'batches_accepted', 1)
end
if rejected > 0 then
  -- The dead-letter stream is a record, not undrained work: bounding it loses no accepted event.
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[15], '*', 'source', 'ingest', 'acct', ARGV[11],
    'dev', ARGV[12], 'batch', ARGV[13], 'at', tostring(now), 'rejected', ARGV[14])
  redis.call('HINCRBY', KEYS[7], 'events_rejected', rejected)
  redis.call('HINCRBY', KEYS[7], 'dlq_entries', 1)
end
if ARGV[2] == '1' then
  redis.call('SET', KEYS[3], ARGV[9], 'EX', ARGV[6])
end
return {'ok', id}
