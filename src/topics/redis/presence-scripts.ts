// The Lua scripts of presence with the Redis backend (docs/presence.md, "Redis"). Each runs
// atomically on the node of its first key, which is what makes the members the same in every
// process: a change is applied to a topic's keys and published on its channel in one step, so a
// process that reads the state (PRESENCE_STATE) and listens to the channel sees every change once,
// either in the state or after it.
//
// Per topic, four kinds of keys, all in one hash slot (presence-keys.ts):
//   <base>:s         hash  process -> '<generation>:<seq>' (its entries' generation, its last change)
//   <base>:e:<proc>  hash  ref -> entry JSON {"key","ref","meta"}, one hash per process
//   <base>:h         hash  ref -> '<deadline> <generation>:<seq> {"process",...entry}': the leaves a
//                          closing process held back, listed by state() until the deadline (Redis's
//                          clock); the key expires with its last deadline
//   channel <base>         every change and sync, as JSON, after one byte 'P' (presence-message.ts)
// Per Redis (or cluster), the leases, in one slot:
//   <prefix>presence:{leases}      zset  process -> the ms (Redis's clock) its lease runs out
//   <prefix>presence:{leases}:g    hash  process -> its generation
//   <prefix>presence:topics:<g>:<process>  set of the topics the process has entries in (for the sweep)
//
// A generation is what makes a sweep safe against a process that was only slow: the sweeper claims
// a lapsed lease (removing it), then removes the process's entries of that generation only; the
// process, finding its lease gone at its next renewal, registers a new generation and writes its
// entries again under it, which no late removal of the old generation can touch.

/** The generation in a '<generation>:<seq>' value of <base>:s. */
const GENERATION = `
local function generation(value)
  return tonumber(string.match(value, '^(%d+):'))
end
`;

/** The ms of Redis's clock, in a script. */
const NOW = `
local function now()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
`;

/**
 * Moves `count` entries (ARGV from `first`: ref, grace pairs) of the process's hash `entries` to
 * `held`, each listed until now + its grace, with the change's version and the process (as JSON)
 * beside it; drops the held entries whose deadline passed (a topic deployed often would otherwise
 * keep them until its last grace ends), and makes the key last until its latest deadline.
 */
const HOLD = `${NOW}
local function hold(entries, held, first, count, version, process)
  local time = now()
  local old = redis.call('HGETALL', held)
  for i = 1, #old, 2 do
    if tonumber(string.match(old[i + 1], '^(%d+) ')) <= time then redis.call('HDEL', held, old[i]) end
  end
  local longest = 0
  for i = first, first + count * 2 - 1, 2 do
    local entry = redis.call('HGET', entries, ARGV[i])
    local grace = tonumber(ARGV[i + 1])
    if entry then
      redis.call('HSET', held, ARGV[i], string.format('%.0f', time + grace) .. ' ' .. version .. ' {"process":' .. process .. ',' .. string.sub(entry, 2))
      redis.call('HDEL', entries, ARGV[i])
      if grace > longest then longest = grace end
    end
  end
  if longest > 0 and redis.call('PTTL', held) < longest then redis.call('PEXPIRE', held, longest) end
end
`;

/**
 * KEYS[1] <base>:s, KEYS[2] <base>:e:<process>, KEYS[3] <base>:h. ARGV: [1] channel, [2] process,
 * [3] generation, [4] seq, [5] the message to publish, [6] the process as JSON, [7] how many joins
 * n, then n (ref, entry) pairs, then how many held leaves m, then m (ref, grace in ms) pairs (a
 * closing process's leaves held back: listed in <base>:h until their grace ends), then the refs
 * that left. Applies one change; a process left with no entry is removed from the topic. Returns
 * 1, or 0 when the topic holds a newer generation of the process (this change is stale: not applied).
 */
export function changeScript(publish: 'PUBLISH' | 'SPUBLISH'): string {
  return `${GENERATION}${HOLD}
local current = redis.call('HGET', KEYS[1], ARGV[2])
if current and generation(current) > tonumber(ARGV[3]) then return 0 end
local joins = tonumber(ARGV[7])
local at = 8 + joins * 2
for i = 8, at - 1, 2 do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
local held = tonumber(ARGV[at])
if held > 0 then hold(KEYS[2], KEYS[3], at + 1, held, ARGV[3] .. ':' .. ARGV[4], ARGV[6]) end
for i = at + 1 + held * 2, #ARGV do redis.call('HDEL', KEYS[2], ARGV[i]) end
if redis.call('EXISTS', KEYS[2]) == 0 then
  redis.call('HDEL', KEYS[1], ARGV[2])
else
  redis.call('HSET', KEYS[1], ARGV[2], ARGV[3] .. ':' .. ARGV[4])
end
redis.call('${publish}', ARGV[1], ARGV[5])
return 1
`;
}

/**
 * KEYS[1] <base>:s, KEYS[2] <base>:e:<process>. ARGV: [1] channel, [2] process, [3] generation,
 * [4] seq, [5] the message (a PresenceSync), then (ref, entry) pairs. Replaces every entry of the
 * process in the topic (none: removes it). Returns 1, or 0 for a stale generation.
 */
export function syncScript(publish: 'PUBLISH' | 'SPUBLISH'): string {
  return `${GENERATION}
local current = redis.call('HGET', KEYS[1], ARGV[2])
if current and generation(current) > tonumber(ARGV[3]) then return 0 end
redis.call('DEL', KEYS[2])
for i = 6, #ARGV, 2 do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
if #ARGV >= 6 then
  redis.call('HSET', KEYS[1], ARGV[2], ARGV[3] .. ':' .. ARGV[4])
else
  redis.call('HDEL', KEYS[1], ARGV[2])
end
redis.call('${publish}', ARGV[1], ARGV[5])
return 1
`;
}

/**
 * What listeners see as a process's seq: generation × 2^32 + the seq `Topics` gave, so that
 * everything a process writes under a new generation (its sync after it was swept while alive) is
 * newer than what was said of it before, and the removal of a generation (its last seq + 1) newer
 * than every change of it.
 */
export const GENERATION_SPAN = 2 ** 32;

/**
 * KEYS[1] <base>:s, KEYS[2] <base>:e:<process>. ARGV: [1] channel, [2] process, [3] the highest
 * generation to remove, [4] the message's start: 'P{"process":<process as JSON>,"seq":'. Removes
 * the process's entries (a lapsed lease, or its own close) and publishes
 * {"process","seq":<its last, as listeners see it, + 1>,"entries":[]}. Returns 1, or 0 when there was nothing of that generation.
 */
export function removeScript(publish: 'PUBLISH' | 'SPUBLISH'): string {
  return `${GENERATION}
local current = redis.call('HGET', KEYS[1], ARGV[2])
if not current or generation(current) > tonumber(ARGV[3]) then return 0 end
redis.call('DEL', KEYS[2])
redis.call('HDEL', KEYS[1], ARGV[2])
local seq = generation(current) * ${GENERATION_SPAN} + tonumber(string.match(current, ':(%d+)$')) + 1
redis.call('${publish}', ARGV[1], ARGV[4] .. string.format('%.0f', seq) .. ',"entries":[]}')
return 1
`;
}

/**
 * KEYS[1] <base>:s, KEYS[2] <base>:h. ARGV[1] the prefix of the entry hashes' keys, '<base>:e:'.
 * Returns { processes, held }: per process with entries, { process, '<generation>:<seq>', { entry... } };
 * per held entry whose deadline has not passed, { '<generation>:<seq>', ms left, entry with its
 * process }. The entry hashes are in KEYS[1]'s slot (one hash tag), so a cluster node can read them.
 */
export const STATE_SCRIPT = `${NOW}
local result = {}
local processes = redis.call('HGETALL', KEYS[1])
for i = 1, #processes, 2 do
  result[#result + 1] = { processes[i], processes[i + 1], redis.call('HVALS', ARGV[1] .. processes[i]) }
end
local held = {}
local time = now()
for _, value in ipairs(redis.call('HVALS', KEYS[2])) do
  local deadline, version, entry = string.match(value, '^(%d+) (%d+:%d+) (.*)$')
  local left = tonumber(deadline) - time
  if left > 0 then held[#held + 1] = { version, string.format('%.0f', left), entry } end
end
return { result, held }
`;

/**
 * KEYS[1] the leases zset, KEYS[2] the generations hash. ARGV: [1] process, [2] generation, [3] the
 * lease in ms, [4] '1' to register (a new generation), '0' to renew. Renewing answers 0 when the
 * lease is gone (lapsed and swept, or Redis lost it): the process registers a new generation and
 * writes its entries again. Registering answers 1.
 */
export const LEASE_SCRIPT = `${NOW}
local time = now()
if ARGV[4] == '0' then
  local expiry = redis.call('ZSCORE', KEYS[1], ARGV[1])
  if not expiry or tonumber(expiry) < time or redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then return 0 end
end
redis.call('ZADD', KEYS[1], time + tonumber(ARGV[3]), ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1
`;

/**
 * KEYS[1] the leases zset, KEYS[2] the generations hash. ARGV[1] the most to claim. Claims lapsed
 * leases, each for one sweeper only (it is removed): returns { process, generation } pairs, flat.
 */
export const CLAIM_SCRIPT = `${NOW}
local lapsed = redis.call('ZRANGE', KEYS[1], '-inf', '(' .. now(), 'BYSCORE', 'LIMIT', 0, tonumber(ARGV[1]))
local claimed = {}
for _, process in ipairs(lapsed) do
  claimed[#claimed + 1] = process
  claimed[#claimed + 1] = redis.call('HGET', KEYS[2], process) or '0'
  redis.call('ZREM', KEYS[1], process)
  redis.call('HDEL', KEYS[2], process)
end
return claimed
`;

/**
 * KEYS[1] the leases zset, KEYS[2] the generations hash. ARGV: processes. Returns each one's
 * generation while its lease runs, else '' (lapsed, swept, or never there).
 */
export const ALIVE_SCRIPT = `${NOW}
local time = now()
local alive = {}
for i = 1, #ARGV do
  local expiry = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if expiry and tonumber(expiry) >= time then alive[i] = redis.call('HGET', KEYS[2], ARGV[i]) or '' else alive[i] = '' end
end
return alive
`;
