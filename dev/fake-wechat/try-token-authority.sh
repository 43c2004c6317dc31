#!/usr/bin/env bash
# The token authority's "done means", tried for real: the fake WeChat API served by serve.ts, the
# Worker under `wrangler dev`, bursts of curl. Not part of `npm test` (it starts two servers).
#
#   bash dev/fake-wechat/try-token-authority.sh [worker-port] [fake-port]
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT="${1:-8787}"
FAKE_PORT="${2:-8788}"
ADMIN_KEY="admin-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
APPSECRET=0123456789abcdef0123456789abcdef
WORK="$(mktemp -d)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -- "-$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; echo "--- wrangler log"; tail -30 "$WORK/wrangler.log"; exit 1; }

setsid npx node dev/fake-wechat/serve.ts --port "$FAKE_PORT" > "$WORK/fake.log" 2>&1 &
PIDS+=($!)
setsid npx wrangler dev --port "$PORT" --ip 127.0.0.1 --test-scheduled --persist-to "$WORK/state" \
  --var "WECHAT_API_BASE:http://127.0.0.1:${FAKE_PORT}" --var WECHAT_TOKEN:testtoken123 \
  --var WECHAT_APPID:wx0123456789abcdef --var "WECHAT_APPSECRET:${APPSECRET}" \
  --var "ADMIN_KEY:${ADMIN_KEY}" > "$WORK/wrangler.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 90); do curl -sf "localhost:${PORT}/healthz" >/dev/null 2>&1 && break; sleep 1; done
curl -sf "localhost:${PORT}/healthz" >/dev/null || fail "the Worker did not start"

W="localhost:${PORT}"
F="localhost:${FAKE_PORT}/__fake"
AUTH="Authorization: Bearer ${ADMIN_KEY}"
fetches() { curl -s "$F/stats" | sed -n 's/.*"token_fetches":\([0-9]*\).*/\1/p'; }
burst() { # burst <n> <path...>: n concurrent requests per path; prints status counts
  local n=$1; shift
  for _ in $(seq "$n"); do for path in "$@"; do
    curl -s -o /dev/null -w '%{http_code}\n' -H "$AUTH" "$W$path" &
  done; done | sort | uniq -c | tr '\n' ' '; wait
}

echo "1. burst of 40 /admin/token + /admin/check: $(burst 20 /admin/token /admin/check)"
[ "$(fetches)" = 1 ] || fail "expected 1 token fetch, the fake counted $(fetches)"

curl -s -X POST "$F/revoke" >/dev/null
echo "2. token revoked, burst of 10 /admin/check: $(burst 10 /admin/check)"
[ "$(fetches)" = 2 ] || fail "expected one refresh after 40001, the fake counted $(($(fetches) - 1))"

curl -s "$W/__scheduled?cron=*/5+*+*+*+*" >/dev/null; sleep 1
echo "3. cron with a fresh token: token fetches still $(fetches)"
[ "$(fetches)" = 2 ] || fail "the cron refetched a fresh token"

curl -s -X POST "$F/inject" -d '{"failure":"busy","path":"/cgi-bin/stable_token"}' >/dev/null
curl -s -X POST "$F/revoke" >/dev/null
START=$(date +%s%N)
echo "4. WeChat failing (-1), token revoked, burst of 20 /admin/check: $(burst 20 /admin/check)"
ELAPSED=$(( ($(date +%s%N) - START) / 1000000 ))
# At most one attempt per backoff step (the first step is 1 s) however many callers wait.
ATTEMPTS=$(($(fetches) - 2))
[ "$ATTEMPTS" -le $((1 + ELAPSED / 1000)) ] || fail "${ATTEMPTS} attempts in ${ELAPSED} ms"
[ "$ELAPSED" -lt 5000 ] || fail "the 503s took ${ELAPSED} ms"
echo "   ${ATTEMPTS} attempt(s), answered in ${ELAPSED} ms: $(curl -s -H "$AUTH" "$W/admin/token" | cut -c1-160)"

curl -s -X POST "$F/clear" >/dev/null; sleep 2.2
echo "5. WeChat answers again, after one backoff step: $(burst 10 /admin/check)"
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "$AUTH" "$W/admin/check")" = 200 ] || fail "no recovery"

sleep 1
grep -q "$APPSECRET" "$WORK/wrangler.log" && fail "the log holds the appsecret"
grep -q "$ADMIN_KEY" "$WORK/wrangler.log" && fail "the log holds the admin key"
grep -Eq '[0-9]{2}_[A-Za-z0-9_-]{100,}' "$WORK/wrangler.log" && fail "the log holds a token"
echo "6. no appsecret, admin key or token in $(grep -c . "$WORK/wrangler.log") log lines"
echo "OK: token fetches in all: $(fetches)"
