#!/usr/bin/env bash
# Runs dev/proxy/nginx-wechat-proxy.conf for real on loopback, in front of the fake WeChat API,
# and checks what the README promises: no secret → 403, wrong secret → 403, right secret → WeChat's
# answer; the secret is not passed on; the access log holds no token and no appsecret.
# Needs nginx (apt-get install nginx-light). Not part of `npm test`.
#
#   bash dev/proxy/test-nginx-recipe.sh [fake-port] [proxy-port]
set -euo pipefail
cd "$(dirname "$0")/../.."
FAKE_PORT="${1:-8790}"
PROXY_PORT="${2:-8789}"
SECRET="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
APPID=wx0123456789abcdef
APPSECRET=0123456789abcdef0123456789abcdef
WORK="$(mktemp -d)"
FAKE_PID=""
cleanup() {
  [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
  [ -n "$FAKE_PID" ] && kill -- "-$FAKE_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# The recipe, with only what a loopback test must change: plain HTTP on a local port, the fake
# as upstream, and the secret filled in.
sed -e "s|listen 443 ssl;|listen 127.0.0.1:${PROXY_PORT};|" \
    -e "/ssl_certificate/d" -e "/proxy_ssl_/d" \
    -e "s|proxy_pass https://api.weixin.qq.com;|proxy_pass http://127.0.0.1:${FAKE_PORT};|" \
    -e "s|REPLACE_WITH_WECHAT_PROXY_SECRET|${SECRET}|" \
    -e "s|/var/log/nginx/wechat-proxy.log|${WORK}/access.log|" \
    dev/proxy/nginx-wechat-proxy.conf > "$WORK/wechat-proxy.conf"
cat > "$WORK/nginx.conf" <<CONF
pid $WORK/nginx.pid;
error_log $WORK/error.log;
events {}
http {
  client_body_temp_path $WORK/body;
  proxy_temp_path $WORK/proxy;
  include $WORK/wechat-proxy.conf;
}
CONF
nginx -t -q -p "$WORK" -c "$WORK/nginx.conf"

# In its own process group, so that cleanup ends npx and the node process it started.
setsid npx node dev/fake-wechat/serve.ts --port "$FAKE_PORT" > "$WORK/fake.log" 2>&1 &
FAKE_PID=$!
nginx -p "$WORK" -c "$WORK/nginx.conf"
for _ in $(seq 50); do curl -sf "http://127.0.0.1:${FAKE_PORT}/__fake/stats" >/dev/null && break; sleep 0.2; done

BODY="{\"grant_type\":\"client_credential\",\"appid\":\"${APPID}\",\"secret\":\"${APPSECRET}\",\"force_refresh\":false}"
status() { curl -s -o "$WORK/out" -w '%{http_code}' "$@"; }
fail() { echo "FAIL: $*"; exit 1; }

[ "$(status -X POST "http://127.0.0.1:${PROXY_PORT}/cgi-bin/stable_token" -d "$BODY")" = 403 ] || fail "no secret should get 403"
[ "$(status -X POST -H "X-WeChat-Proxy-Secret: wrong" "http://127.0.0.1:${PROXY_PORT}/cgi-bin/stable_token" -d "$BODY")" = 403 ] || fail "wrong secret should get 403"
[ "$(status -X POST -H "X-WeChat-Proxy-Secret: ${SECRET}" "http://127.0.0.1:${PROXY_PORT}/cgi-bin/stable_token" -d "$BODY")" = 200 ] || fail "right secret should pass"
TOKEN="$(sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p' "$WORK/out")"
[ -n "$TOKEN" ] || fail "no access_token through the proxy: $(cat "$WORK/out")"
[ "$(status -H "X-WeChat-Proxy-Secret: ${SECRET}" "http://127.0.0.1:${PROXY_PORT}/cgi-bin/get_api_domain_ip?access_token=${TOKEN}")" = 200 ] || fail "API call through the proxy"
grep -q ip_list "$WORK/out" || fail "get_api_domain_ip answer: $(cat "$WORK/out")"
[ "$(status "http://127.0.0.1:${PROXY_PORT}/cgi-bin/token?grant_type=client_credential&appid=${APPID}&secret=${APPSECRET}")" = 403 ] || fail "classic token without secret should get 403"

STATS="$(curl -s "http://127.0.0.1:${FAKE_PORT}/__fake/stats")"
echo "$STATS" | grep -q '"requests":2' || fail "the fake should have seen exactly the 2 allowed requests: $STATS"
echo "$STATS" | grep -q '"hadProxySecret":true' && fail "the proxy passed the secret on to WeChat"
sleep 0.2
grep -q "$TOKEN" "$WORK/access.log" && fail "the access log holds the token"
grep -q "$APPSECRET" "$WORK/access.log" && fail "the access log holds the appsecret"
grep -q "$SECRET" "$WORK/access.log" && fail "the access log holds the proxy secret"
echo "access log:"; sed 's/^/  /' "$WORK/access.log"
echo "OK: nginx recipe refuses requests without the secret, forwards the rest, strips the secret and logs no credential"
