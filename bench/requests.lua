-- wrk script: POST /graphql bodies read from a file, one request per line: "<token or ->\t<json body>".
-- Counts answers that are not 200 or carry "errors", and prints one JSON line when done.
-- Usage: wrk -s bench/requests.lua <url> -- <requests file>

local requests = {}
local counter = 0
bad = 0  -- global: done() reads it from every thread with thread:get
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(args[1]) do
    local token, body = line:match("^([^\t]*)\t(.*)$")
    local headers = { ["Content-Type"] = "application/json" }
    if token ~= "-" then
      headers["Authorization"] = "Bearer " .. token
    end
    table.insert(requests, wrk.format("POST", nil, headers, body))
  end
  counter = (id * 7919) % #requests  -- threads start at different lines
end

function request()
  counter = counter % #requests + 1
  return requests[counter]
end

function response(status, headers, body)
  if status ~= 200 or body:find('"errors"', 1, true) then
    bad = bad + 1
  end
end

function done(summary, latency, _)
  local answered_badly = 0
  for _, thread in ipairs(threads) do
    answered_badly = answered_badly + thread:get("bad")
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_s": %.6f, "p50_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f, '
      .. '"socket_errors": %d, "bad": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(99) / 1e3,
    latency.max / 1e3, e.connect + e.read + e.write + e.timeout, answered_badly
  ))
end
