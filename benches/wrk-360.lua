-- wrk script: GET the party 360 of a random benchmark party (A0000001 … A$PARTIES).
local parties = tonumber(os.getenv("PARTIES") or "1000")
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
math.randomseed(os.time())
request = function()
  return wrk.format("GET", string.format("/api/v1/parties/A%07d/360", math.random(1, parties)))
end
