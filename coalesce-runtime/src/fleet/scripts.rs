//! The three Lua scripts of the lease protocol. Each runs atomically in
//! Redis, so no two replicas see a key's flight half changed.

use redis::Script;

/// KEYS: the lease, the waited holder's outcome. ARGV: the new token, the
/// lease in ms, `1` when a holder is waited on. Returns `{'done', outcome}`,
/// `{'lead'}`, or `{'wait', holder, remaining ms}`.
const ACQUIRE: &str = r"
if ARGV[3] == '1' then
  local outcome = redis.call('GET', KEYS[2])
  if outcome then return {'done', outcome} end
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {'lead'}
end
return {'wait', redis.call('GET', KEYS[1]), redis.call('PTTL', KEYS[1])}
";

/// KEYS: the lease. ARGV: the token, the lease in ms. Returns 1 when the
/// token still held the lease and it was extended, else 0.
const RENEW: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
";

/// KEYS: the lease, the token's outcome. ARGV: the token, the outcome (empty
/// for none), its time to live in ms, the channel, the message.
const FINISH: &str = r"
if ARGV[2] ~= '' then
  redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
end
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
end
redis.call('PUBLISH', ARGV[4], ARGV[5])
return 1
";

/// The scripts, hashed once; `invoke` sends `EVALSHA` and loads a script
/// again after a restarted Redis forgot it.
pub(super) struct Scripts {
    pub(super) acquire: Script,
    pub(super) renew: Script,
    pub(super) finish: Script,
}

impl Scripts {
    pub(super) fn new() -> Self {
        Self {
            acquire: Script::new(ACQUIRE),
            renew: Script::new(RENEW),
            finish: Script::new(FINISH),
        }
    }
}
