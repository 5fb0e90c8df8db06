-- wrk script for bench/http_load: cycles the GET paths the dashboard's
-- overview, attribution, quality and stack pages call, with the token from
-- MOPS_TOKEN and the paths (space-separated) from MOPS_PATHS, and prints one
-- machine-readable summary line for http_load to parse.
local paths = {}
local index = 0

function init(args)
  for p in string.gmatch(os.getenv("MOPS_PATHS") or "/healthz", "%S+") do
    table.insert(paths, p)
  end
  wrk.headers["Authorization"] = "Bearer " .. (os.getenv("MOPS_TOKEN") or "")
  -- Threads start at different offsets so that every path is hit at once.
  index = math.random(#paths) - 1
end

function request()
  index = (index % #paths) + 1
  return wrk.format("GET", paths[index])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("MOPS_RESULT %d %d %d %d %d %d %d %.1f %.1f %.1f\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9)))
end
