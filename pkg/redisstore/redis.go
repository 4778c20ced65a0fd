// Package redisstore implements token.Store on Redis, so that Grafana replicas share tokens and
// take turns refreshing them, and remember used authorization callbacks.
package redisstore

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"net"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/token"
)

// Config says how to reach Redis.
type Config struct {
	Address   string // host:port
	Username  string
	Password  string
	DB        int
	TLS       bool
	KeyPrefix string
	// RootCAs verifies the server with TLS; nil uses the system's roots.
	RootCAs *x509.CertPool
}

// Redis is a token.Store. Timeouts are short and retries off: when Redis is down the plugin must
// know at once (docs/ha.md says what it then does), not stall queries.
type Redis struct {
	c      *redis.Client
	prefix string
}

// casScript replaces ARGV[1] by ARGV[2] atomically ("" as ARGV[1]: only if the key is absent);
// ARGV[3] is the expiry in milliseconds, 0 for none.
var casScript = redis.NewScript(`
local cur = redis.call("GET", KEYS[1])
if ARGV[1] == "" then
  if cur then return 0 end
elseif cur ~= ARGV[1] then
  return 0
end
if tonumber(ARGV[3]) > 0 then
  redis.call("SET", KEYS[1], ARGV[2], "PX", ARGV[3])
else
  redis.call("SET", KEYS[1], ARGV[2])
end
return 1`)

var _ token.Store = (*Redis)(nil)

// New connects lazily (go-redis dials on first use).
func New(cfg Config) *Redis {
	opts := &redis.Options{
		Addr: cfg.Address, Username: cfg.Username, Password: cfg.Password, DB: cfg.DB,
		DialTimeout: 2 * time.Second, ReadTimeout: time.Second, WriteTimeout: time.Second,
		MaxRetries: -1, PoolSize: 4,
	}
	if cfg.TLS {
		host, _, err := net.SplitHostPort(cfg.Address)
		if err != nil {
			host = cfg.Address
		}
		opts.TLSConfig = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12, RootCAs: cfg.RootCAs}
	}
	return &Redis{c: redis.NewClient(opts), prefix: cfg.KeyPrefix}
}

// epochKey holds a random value written once: when Redis restarts empty it is gone, and the next
// reader writes a new one, so every replica learns that the data was lost.
const epochKey = "epoch"

// Get implements token.Store: GET, TIME and the epoch in one round trip.
func (r *Redis) Get(ctx context.Context, key string) (token.Snapshot, error) {
	var get, epoch *redis.StringCmd
	var now *redis.TimeCmd
	_, err := r.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		get = p.Get(ctx, r.prefix+key)
		now = p.Time(ctx)
		epoch = p.Get(ctx, r.prefix+epochKey)
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return token.Snapshot{}, err
	}
	var snap token.Snapshot
	if snap.Now, err = now.Result(); err != nil {
		return token.Snapshot{}, err
	}
	if snap.Epoch, err = epoch.Result(); errors.Is(err, redis.Nil) {
		if snap.Epoch, err = r.newEpoch(ctx); err != nil {
			return token.Snapshot{}, err
		}
	} else if err != nil {
		return token.Snapshot{}, err
	}
	snap.Value, err = get.Result()
	if errors.Is(err, redis.Nil) {
		return snap, nil
	}
	if err != nil {
		return token.Snapshot{}, err
	}
	snap.Found = true
	return snap, nil
}

func (r *Redis) newEpoch(ctx context.Context) (string, error) {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	mine := hex.EncodeToString(b)
	// SET NX GET: another replica may have just written one; then it is the epoch.
	old, err := r.c.SetArgs(ctx, r.prefix+epochKey, mine, redis.SetArgs{Mode: "NX", Get: true}).Result()
	if errors.Is(err, redis.Nil) {
		return mine, nil
	}
	return old, err
}

// CompareAndSwap implements token.Store with a Lua script (atomic on the server).
func (r *Redis) CompareAndSwap(ctx context.Context, key, old, value string, ttl time.Duration) (bool, error) {
	n, err := casScript.Run(ctx, r.c, []string{r.prefix + key}, old, value, ttl.Milliseconds()).Int()
	return n == 1, err
}

// Ping checks that Redis answers.
func (r *Redis) Ping(ctx context.Context) error { return r.c.Ping(ctx).Err() }

// Close releases the connections.
func (r *Redis) Close() error { return r.c.Close() }
