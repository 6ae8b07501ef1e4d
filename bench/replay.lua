-- wrk script of the HTTP benchmarks: replays pre-signed raw requests, each at most once.
-- BENCH_REQUESTS names a file of "<byte length>\n<raw HTTP/1.1 request>" records
-- (bench/_registry.py writes it); after the last one it starts over (a replayed kiosk JWT is
-- refused, and counted as an error: the files hold more requests than a run sends).
local requests = {}
local next_index = 1

init = function(args)
  local file = assert(io.open(os.getenv("BENCH_REQUESTS"), "rb"))
  local data = file:read("*a")
  file:close()
  local position = 1
  while position <= #data do
    local newline = data:find("\n", position, true)
    local length = tonumber(data:sub(position, newline - 1))
    requests[#requests + 1] = data:sub(newline + 1, newline + length)
    position = newline + length + 1
  end
end

request = function()
  local raw = requests[next_index]
  next_index = next_index % #requests + 1
  return raw
end

done = function(summary, latency, _requests)
  local errors = summary.errors
  local failed = errors.status + errors.connect + errors.read + errors.write + errors.timeout
  io.write(string.format(
    'BENCH {"requests": %d, "per_s": %.3f, "p50_us": %d, "p99_us": %d, "errors": %d}\n',
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), failed))
end
