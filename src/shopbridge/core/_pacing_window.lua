-- The rate window of one store, shared in Redis: the rules of shopbridge.core.sansio._window
-- (RateWindow), moved, not stacked. One script, three operations, each atomic and timed by
-- Redis's own clock (TIME), so that every process and machine reads the same time.
--
-- KEYS[1]  the state (a hash)
-- KEYS[2]  the permits in flight by expiry (a sorted set: a dead process's leases expire)
-- KEYS[3]  the same permits by number (a sorted set: "in flight, sent before n" is O(log n))
-- ARGV[1]  acquire | release | pause
-- ARGV[2]  now in seconds, or "" for Redis's TIME (tests give it, to control the clock)
-- ARGV[3]  the permits left to the merchant's other traffic in each window (reserve)
-- ARGV[4]  the window's length for a new state, ARGV[5] "1" when it is only assumed
-- then, by operation:
--   acquire  ARGV[6] lease seconds, ARGV[7] poll seconds
--   release  ARGV[6] permit number, ARGV[7] its send time, ARGV[8] its generation,
--            ARGV[9] limit, ARGV[10] remaining, ARGV[11] reset after ("" when unknown),
--            ARGV[12] the permits in flight when it was sent, ARGV[13] seconds since the
--            answer came (the release is sent in the background: the answer's time is
--            Redis's now less that), ARGV[14] and ARGV[15] a pause of the same answer
--            (a 429: seconds and the send time), applied in the same step
--   pause    ARGV[6] seconds, ARGV[7] the refused permit's send time ("" when unknown)
-- Replies (numbers as strings: Lua numbers become integers in Redis replies):
--   acquire  {"go", n, now, window, learned, generation, in flight before it}
--            | {"answer", poll} (look again: a request goes alone, or answers in flight may
--            free tokens) | {"wait", s}
--   release, pause  {"ok", window, learned}

local op = ARGV[1]
local now = tonumber(ARGV[2])
if now == nil then
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local reserve = tonumber(ARGV[3])
local INF = 1e300
local MIN_WINDOW = 0.05
local MAX_PROBES = 3
local FIRST_SPACING = 1.0 -- while the length is unknown, a spent window is probed again
local MAX_SPACING = 16.0 -- this long after the last probe, doubled each time up to this
local KEEP_MS = 86400000 -- an idle store's state is forgotten after a day

local FIELDS = {
  'window', 'assumed', 'learned', 'low', 'high', 'limit', 'seq', 'paused_until', 'solo',
  'solo_next', 'probes', 'exact_anchor', 'anchor', 'first', 'start_high', 'start_low', 'endx',
  'minr', 'min_at', 'window_sent', 'carry', 'probed', 'provisional', 'late_lost', 'gen',
  'spacing', 'next_probe', 'last_until',
}
local S = {}
local raw = redis.call('HGETALL', KEYS[1])
for i = 1, #raw, 2 do
  if raw[i + 1] ~= '' then
    S[raw[i]] = raw[i + 1]
  end
end
if S.seq == nil then -- a new state (or Redis restarted): nothing known but the window
  S = {
    window = ARGV[4], assumed = ARGV[5], learned = '0', low = '0', high = tostring(INF),
    seq = '0', paused_until = '0', solo = '0', solo_next = '1', probes = '0',
    exact_anchor = '0', anchor = '0', first = '1', window_sent = '0', carry = '0',
    probed = '0', provisional = '0', late_lost = '0', min_at = '0', gen = string.format('%.17g', now),
    spacing = tostring(FIRST_SPACING), next_probe = '0', last_until = tostring(INF),
  }
end
for _, name in ipairs(FIELDS) do
  if name ~= 'gen' and S[name] ~= nil then
    S[name] = tonumber(S[name])
  end
end
-- A state saved before these fields existed.
S.spacing = S.spacing or FIRST_SPACING
S.next_probe = S.next_probe or 0
S.last_until = S.last_until or INF
if S.assumed == 1 and ARGV[5] == '0' and S.learned == 0 then
  S.window = tonumber(ARGV[4]) -- a client was given the window: better than assuming
  S.assumed = 0
end

local function save()
  local args = {}
  for _, name in ipairs(FIELDS) do
    local value = S[name]
    args[#args + 1] = name
    if value == nil then
      args[#args + 1] = ''
    elseif type(value) == 'number' then
      args[#args + 1] = string.format('%.17g', value)
    else
      args[#args + 1] = value
    end
  end
  redis.call('HSET', KEYS[1], unpack(args))
  for i = 1, 3 do
    redis.call('PEXPIRE', KEYS[i], KEEP_MS)
  end
end

local function in_flight()
  return redis.call('ZCARD', KEYS[3])
end

local function in_flight_before(seq)
  return redis.call('ZCOUNT', KEYS[3], '-inf', '(' .. seq)
end

local function begin(anchor, first, start_high, start_low, remaining)
  S.anchor = anchor
  S.first = first
  S.start_high = start_high
  S.start_low = start_low
  S.endx = nil
  S.minr = remaining
  S.min_at = S.seq
  S.window_sent = 0
  S.carry = 0
  S.probed = 0
  S.provisional = 0
  S.late_lost = 0
end

-- min(limit - sent_in_window, min_remaining_seen - not yet counted), less the reserve
local function tokens()
  if S.minr == nil then
    return nil
  end
  local unreflected = (S.seq - S.min_at) + redis.call('ZCOUNT', KEYS[3], '-inf', S.min_at)
  local t = S.minr - reserve - unreflected
  if S.limit ~= nil then
    t = math.min(t, S.limit - reserve - S.window_sent)
  end
  return t
end

local function unknown_length()
  return S.assumed == 1 and S.learned == 0 and S.limit ~= nil
end

local function may_probe()
  if not unknown_length() or S.solo ~= 0 then
    return false
  end
  if S.probed == 0 and S.probes < MAX_PROBES then
    return true -- the first probe of this window
  end
  return now >= S.next_probe -- spaced: an unknown length is never waited out blindly
end

local function estimated_end()
  if S.endx ~= nil then
    return S.endx
  end
  if S.start_high ~= nil then
    return S.start_high + S.window
  end
  return nil
end

local function assume_new_window()
  -- less those in flight, and those whose answers were lost after the last one ended
  local out = in_flight() + S.late_lost
  begin(S.seq, S.seq + 1, now, nil, S.limit)
  S.window_sent = out
  S.carry = out
  S.solo_next = 1
  if S.limit ~= nil then
    S.provisional = 1 -- its start is not seen yet: the server may begin it later than now
  end
end

local function blocked_until()
  if S.paused_until > now then
    return S.paused_until
  end
  local t = tokens()
  if t == nil or t > 0 or may_probe() then
    return nil
  end
  local e = estimated_end()
  if e ~= nil and e > now then
    if unknown_length() then
      return math.min(e, math.max(S.next_probe, now)) -- then a spaced probe goes
    end
    return e
  end
  assume_new_window()
  t = tokens()
  if t == nil or t > 0 then
    return nil
  end
  return estimated_end()
end

local function relearn()
  local high = S.high
  if high >= INF or high < MIN_WINDOW then
    return
  end
  local whole = math.floor(high)
  local learned = high
  if whole > S.low and whole >= 1 then
    learned = whole -- Laravel's windows are whole seconds
  end
  if learned >= MIN_WINDOW then
    S.window = learned
    S.learned = 1
  end
end

local function read_remaining(seq, sent_at, r, ahead)
  local limit = S.limit
  if limit ~= nil and r >= limit - 1 then
    if seq > S.anchor then -- the first request counted in a newer window
      if S.assumed == 1 and S.start_low ~= nil then -- a given length is trusted
        S.high = math.min(S.high, now - S.start_low)
        relearn()
      end
      local carry = ahead -- in flight at its send: any may be counted after it
      begin(seq, seq, now, sent_at, r)
      S.exact_anchor = seq
      S.carry = carry
      S.window_sent = S.seq - seq + 1 + carry
    elseif S.start_low == nil and seq > S.exact_anchor then
      S.start_low = sent_at
      S.exact_anchor = seq
    end
    return
  end
  if seq < S.first then
    -- Sent before this window began: it may have counted in the last one. It did when its
    -- count is more than this window can have reached: not one of this window's after all.
    if limit ~= nil and limit - r > S.window_sent and S.carry > 0 then
      S.carry = S.carry - 1
      S.window_sent = S.window_sent - 1
    end
    return
  end
  if S.provisional == 1 then
    S.provisional = 0 -- counted in the window assumed to have begun: it started by now
    S.start_high = now
  end
  local e = estimated_end()
  local lowest = S.minr
  if S.start_high == nil or (e ~= nil and e <= now)
    or (lowest ~= nil and r > lowest and seq > S.min_at) then
    local carry = in_flight_before(seq)
    begin(seq, seq, now, nil, r) -- a window whose start went unseen
    S.carry = carry
    if limit ~= nil then
      S.window_sent = limit - r + (S.seq - seq) + carry
    end
    return
  end
  if lowest == nil or r < lowest then
    S.minr = r
    S.min_at = S.seq
  end
end

local function expire_leases()
  local dead = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
  for _, member in ipairs(dead) do
    redis.call('ZREM', KEYS[2], member)
    redis.call('ZREM', KEYS[3], member)
    if tonumber(member) == S.solo then
      S.solo = 0 -- the request going alone died with its process
    end
  end
end

local function pause(seconds, sent_at)
  if seconds ~= nil and seconds > 0 and seconds < INF then
    local until_ = now + seconds
    S.paused_until = math.max(S.paused_until, until_)
    if S.start_low ~= nil then
      S.high = math.min(S.high, until_ - S.start_low)
      if sent_at ~= nil and S.start_high ~= nil then
        S.low = math.max(S.low, sent_at - S.start_high)
      end
      relearn()
    elseif S.assumed == 1 and sent_at ~= nil and S.last_until <= sent_at then
      -- Refused after the last end a 429 named: a later window, begun no earlier than that
      -- end. Named ends are up to a second late (the server counts whole seconds).
      S.high = math.min(S.high, until_ - S.last_until + 1.0)
      relearn()
    end
    if S.last_until >= INF then
      S.last_until = until_
    else
      S.last_until = math.max(S.last_until, until_)
    end
    S.endx = until_
    S.minr = 0
    S.min_at = S.seq
    if S.limit ~= nil then
      S.window_sent = S.limit
    end
    S.solo_next = 1 -- after the pause, one request goes first
  end
end

local function fmt(value)
  return string.format('%.17g', value)
end

if op == 'acquire' then
  expire_leases()
  if S.solo ~= 0 then
    save()
    return {'answer', ARGV[7]}
  end
  local wait = blocked_until()
  if wait ~= nil then
    save()
    if S.paused_until <= now and in_flight() > 0
      and (S.limit == nil or S.limit - reserve - S.window_sent > 0) then
      -- Not spent by our own count: the permits in flight hold the tokens back, and their
      -- answers (any process's) may free some. Look again soon, not at the window's end:
      -- no other process's answer can wake this one.
      return {'answer', ARGV[7]}
    end
    return {'wait', fmt(wait - now)}
  end
  local before = tokens()
  local ahead = in_flight()
  S.seq = S.seq + 1
  local seq = S.seq
  S.window_sent = S.window_sent + 1
  redis.call('ZADD', KEYS[2], now + tonumber(ARGV[6]), seq)
  redis.call('ZADD', KEYS[3], seq, seq)
  if S.solo_next == 1 then
    S.solo_next = 0
    S.solo = seq
  elseif before ~= nil and before <= 0 and may_probe() then
    S.probed = 1
    S.probes = S.probes + 1
    S.solo = seq
    S.next_probe = now + S.spacing
    S.spacing = math.min(S.spacing * 2, MAX_SPACING)
  end
  save()
  return {'go', tostring(seq), fmt(now), tostring(S.window), tostring(S.learned), S.gen,
    tostring(ahead)}
end

if op == 'release' then
  local age = tonumber(ARGV[13])
  if age ~= nil and age > 0 and age < 60 then
    now = now - age
  end
  local seq = tonumber(ARGV[6])
  local sent_at = tonumber(ARGV[7])
  local ahead = tonumber(ARGV[12]) or 0
  if ARGV[8] ~= S.gen then
    -- Sent before Redis lost its state: its answer joins the window as the newest one.
    seq = S.seq
    sent_at = now
  else
    redis.call('ZREM', KEYS[2], seq)
    redis.call('ZREM', KEYS[3], seq)
    if S.solo == seq then
      S.solo = 0
    end
  end
  if ARGV[10] == '' then
    if S.provisional == 1 then
      S.solo_next = 1 -- nothing learnt of the new window: the next request goes alone
    end
    local e = estimated_end()
    if S.limit ~= nil and e ~= nil and e <= now then
      S.late_lost = S.late_lost + 1 -- it may have been counted in the next window
    end
  end
  if ARGV[9] ~= '' then
    S.limit = tonumber(ARGV[9])
  end
  if ARGV[10] ~= '' then
    read_remaining(seq, sent_at, tonumber(ARGV[10]), ahead)
  end
  if ARGV[11] ~= '' then
    S.endx = now + tonumber(ARGV[11])
  end
  if ARGV[14] ~= nil and ARGV[14] ~= '' then
    pause(tonumber(ARGV[14]), tonumber(ARGV[15]))
  end
  save()
  return {'ok', tostring(S.window), tostring(S.learned)}
end

if op == 'pause' then
  pause(tonumber(ARGV[6]), tonumber(ARGV[7]))
  save()
  return {'ok', tostring(S.window), tostring(S.learned)}
end

return redis.error_reply('unknown operation ' .. tostring(op))
