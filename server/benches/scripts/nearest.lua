-- wrk script: GET /api/v1/nearest for the benchmark's query points, in turn.
--   wrk -s bench/nearest.lua http://127.0.0.1:8080 -- target/bench-data/queries.csv
local paths = {}
local n = 0

function init(args)
  local file = args[1] or "target/bench-data/queries.csv"
  for line in io.lines(file) do
    local id, category, lon, lat = line:match("^([^,]+),([^,]+),([^,]+),([^,]+)$")
    if id and id ~= "id" then
      paths[#paths + 1] = "/api/v1/nearest?lon=" .. lon .. "&lat=" .. lat .. "&category=" .. category .. "&k=5"
    end
  end
  -- Each wrk thread starts at a different place in the list.
  n = math.random(#paths)
end

function request()
  n = n % #paths + 1
  return wrk.format("GET", paths[n])
end
