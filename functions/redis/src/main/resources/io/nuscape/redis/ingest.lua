-- One ingest request, atomically, in one round trip. Every key shares the shard's hash tag.
-- KEYS: 1 stream, 2 dead-letter stream, 3 batch answer (a never-written key when there is no batch id),
--       4 account (rate_limit_events_per_minute from the control plane; tokens, at: the bucket),
--       5 device revocation, 6 counters, 7 the device's batch answers (ids by expiry, so an erasure finds them)
-- ARGV: 1 token generation, 2 has batch id (1/0), 3 rate cost (events), 4 default rate (events/min),
--       5 backlog cap (entries), 6 answer TTL (s), 7 accepted, 8 rejected, 9 answer JSON,
--       10 encoded events, 11 account, 12 device, 13 batch id, 14 dead-letter JSON, 15 dead-letter max length,
--       16 mode: 'run', or 'probe' (reads only: used to prime a SnapStart snapshot),
--       17 the time (epoch ms) ingest checked the events' time bounds against: the entry's recv, so that the
--          drainer re-checks against the same instant and not against this server's clock,
--       18 that time's UTC month (YYYY-MM), 19 seconds from then until the month ends, 20 the month whose
--          count is forgotten when this one starts (13 months back), 21 an empty events encoding
-- The account hash also holds the quota (quota, quota_mode: set by the control plane) and ingest's count
-- of accepted events per month (m:YYYY-MM) with the quota alerts already flagged (qa:YYYY-MM: w, x).
-- An entry that takes the month's count across 80 % or 100 % of the quota carries a 'quota' field
-- (types|month|count|quota|mode) from which the drainer records the alerts.
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
local month = ARGV[18]
local account = redis.call('HMGET', KEYS[4], 'rate_limit_events_per_minute', 'tokens', 'at', 'quota', 'quota_mode',
  'm:' .. month, 'qa:' .. month)
local quota = tonumber(account[4])
local used = tonumber(account[6]) or 0
local flagged = account[7] or ''
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)

-- A hard quota admits batches while the month's count is under it (the batch that reaches it is taken
-- whole, as the rate bucket takes a legal batch), then refuses until the month ends. A quota lowered
-- below the count refuses at once: that refusal is the month's quota.exceeded, flagged on an empty entry.
if accepted > 0 and quota and account[5] == 'hard' and used >= quota then
  redis.call('HINCRBY', KEYS[6], 'requests_quota_refused', 1)
  if not string.find(flagged, 'x', 1, true) then
    local types = 'quota.exceeded'
    if not string.find(flagged, 'w', 1, true) then
      types = 'quota.warning,quota.exceeded' -- past 80 % too, never said
    end
    redis.call('HSET', KEYS[4], 'qa:' .. month, 'wx')
    redis.call('XADD', KEYS[1], '*', 'v', '1', 'acct', ARGV[11], 'dev', ARGV[12], 'batch', '', 'gen', ARGV[1],
      'recv', ARGV[17], 'n', '0', 'events', ARGV[21],
      'quota', types .. '|' .. month .. '|' .. used .. '|' .. quota .. '|hard')
  end
  return {'quota', ARGV[19]}
end

local limit = tonumber(account[1] or ARGV[4])
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
  local entry = {'v', '1', 'acct', ARGV[11], 'dev', ARGV[12], 'batch', ARGV[13], 'gen', ARGV[1], 'recv', ARGV[17],
    'n', ARGV[7], 'events', ARGV[10]}
  local count = redis.call('HINCRBY', KEYS[4], 'm:' .. month, accepted)
  if count == accepted then
    redis.call('HDEL', KEYS[4], 'm:' .. ARGV[20], 'qa:' .. ARGV[20])
  end
  if quota then
    local types = {}
    local flags = flagged
    if count * 5 >= quota * 4 and not string.find(flags, 'w', 1, true) then
      types[#types + 1] = 'quota.warning'
      flags = flags .. 'w'
    end
    if count >= quota and not string.find(flags, 'x', 1, true) then
      types[#types + 1] = 'quota.exceeded'
      flags = flags .. 'x'
    end
    if #types > 0 then
      redis.call('HSET', KEYS[4], 'qa:' .. month, flags)
      entry[#entry + 1] = 'quota'
      entry[#entry + 1] = table.concat(types, ',') .. '|' .. month .. '|' .. count .. '|' .. quota .. '|' .. (account[5] or 'soft')
    end
  end
  id = redis.call('XADD', KEYS[1], '*', unpack(entry))
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
