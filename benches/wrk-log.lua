-- wrk script: POST a new interaction on a random benchmark party (the server assigns its id).
local parties = tonumber(os.getenv("PARTIES") or "1000")
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
wrk.headers["Content-Type"] = "application/json"
math.randomseed(os.time() + 1)
request = function()
  local body = string.format(
    '{"party_external_id":"A%07d","channel":"call","direction":"inbound","occurred_at":"2026-11-23T10:00:00Z","subject":"benchmark call","sentiment":1}',
    math.random(1, parties))
  return wrk.format("POST", "/api/v1/interactions", nil, body)
end
