-- wrk script for the API creation workload [#11]: every request opens a ticket for a new
-- client (POST /api/v1/tickets). Arguments: a run prefix (keeps clients new across runs)
-- and the API token. Prints one JSON line when done.
local threads = {}
local subjects = {"Где мой заказ?", "Не пришёл код из СМС", "Возврат денег за заказ",
                  "Order has not arrived", "Повреждённая коробка"}
local bodies = {
  "Здравствуйте! Заказ должен был приехать ещё позавчера, а в трекинге статус «В пути» уже четыре дня.",
  "Добрый день. Отменил заказ неделю назад, а деньги на карту так и не вернулись, проверьте, пожалуйста.",
  "Hello! My parcel was due three days ago and the tracking still says in transit.",
  "Приложение просит код из СМС, но код не приходит. Пробовал дважды сегодня.",
}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  prefix = args[1] or "bench"
  n = 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. (args[2] or "")
end

function request()
  n = n + 1
  local body = string.format(
    '{"subject": "%s", "message": "%s", "client": {"name": "Клиент %d", "email": "c.%s.%d.%d@bench.example"}}',
    subjects[n % #subjects + 1], bodies[n % #bodies + 1], n, prefix, tid, n)
  return wrk.format(nil, "/api/v1/tickets", nil, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "bad_status": %d, "socket_errors": %d, ' ..
    '"timeouts": %d, "p50_ms": %.1f, "p90_ms": %.1f, "p99_ms": %.1f, "max_ms": %.1f}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
