-- wrk script for scripts/gateway-bench.sh: a realistic mix of gateway requests, each tagged with x-case (what it is
-- meant to exercise; the gateway counts what each finished request must have audited). Each thread cycles through
-- the mix; responses are counted per status.
local valid    = "Bearer sk-inf-user-5f1c2a9e7d3b4c60"
local admin    = "Bearer sk-adm-root-0a9b8c7d6e5f4a3b"
local limited  = "Bearer sk-inf-slow-3c4d5e6f7a8b9c0d"
local expired  = "Bearer sk-inf-old0-9e8d7c6b5a4f3e2d"
local disabled = "Bearer sk-inf-off0-1a2b3c4d5e6f7a8b"
local invalid  = "Bearer sk-inf-nope-0000000000000000"
local body = '{"model":"llama-3-8b","messages":[{"role":"user","content":"Hello"}]}'

-- 20 requests: 12 chat completions, 1 model list, 2 unknown keys, 1 expired, 1 disabled, 1 without a key,
-- 1 user key on an admin endpoint (missing scope), 1 from the limited key, 1 admin model load.
local mix = {
  {"valid", "POST", "/v1/chat/completions", valid}, {"valid", "POST", "/v1/chat/completions", valid},
  {"invalid", "POST", "/v1/chat/completions", invalid}, {"valid", "POST", "/v1/chat/completions", valid},
  {"valid", "POST", "/v1/chat/completions", valid}, {"expired", "POST", "/v1/chat/completions", expired},
  {"valid", "POST", "/v1/chat/completions", valid}, {"limited", "POST", "/v1/chat/completions", limited},
  {"models", "GET", "/v1/models", valid}, {"valid", "POST", "/v1/chat/completions", valid},
  {"disabled", "POST", "/v1/chat/completions", disabled}, {"valid", "POST", "/v1/chat/completions", valid},
  {"scope", "POST", "/api/models/load", valid}, {"valid", "POST", "/v1/chat/completions", valid},
  {"missing", "POST", "/v1/chat/completions", nil}, {"valid", "POST", "/v1/chat/completions", valid},
  {"invalid", "GET", "/v1/models", invalid}, {"valid", "POST", "/v1/chat/completions", valid},
  {"admin", "POST", "/api/models/load", admin}, {"valid", "POST", "/v1/chat/completions", valid},
}

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  requests = {}
  for i, m in ipairs(mix) do
    local headers = { ["x-case"] = m[1], ["Content-Type"] = "application/json" }
    if m[4] then headers["Authorization"] = m[4] end
    requests[i] = wrk.format(m[2], m[3], headers, m[2] == "POST" and body or nil)
  end
  -- Start each thread at a different place in the mix.
  next_index = (id * 7) % #mix
  answered = {}
end

function request()
  next_index = next_index % #mix + 1
  return requests[next_index]
end

function response(status, headers, body)
  answered[status] = (answered[status] or 0) + 1
end

function done(summary, latency, requests)
  local totals = {}
  for _, thread in ipairs(threads) do
    for k, v in pairs(thread:get("answered")) do totals[k] = (totals[k] or 0) + v end
  end
  local statuses = {}
  for k in pairs(totals) do table.insert(statuses, k) end
  table.sort(statuses)
  local parts = {}
  for _, k in ipairs(statuses) do table.insert(parts, k .. ":" .. totals[k]) end
  io.write("STATUSES " .. table.concat(parts, " ") .. "\n")
  io.write(string.format("RESULT requests=%d seconds=%.3f rps=%.0f p50_us=%d p99_us=%d socket_errors=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
