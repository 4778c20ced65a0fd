// Package sharedstore implements token.Store on Redis, so that Grafana replicas share tokens and
// take turns refreshing them, and remember used authorization callbacks.
package sharedstore

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"time"

	"github.com/redis/go-redis/v9"
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

// Get implements token.Store: GET and TIME in one round trip.
func (r *Redis) Get(ctx context.Context, key string) (string, bool, time.Time, error) {
	var get *redis.StringCmd
	var now *redis.TimeCmd
	_, err := r.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		get = p.Get(ctx, r.prefix+key)
		now = p.Time(ctx)
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return "", false, time.Time{}, err
	}
	t, err := now.Result()
	if err != nil {
		return "", false, time.Time{}, err
	}
	v, err := get.Result()
	if errors.Is(err, redis.Nil) {
		return "", false, t, nil
	}
	if err != nil {
		return "", false, t, err
	}
	return v, true, t, nil
}

// CompareAndSwap implements token.Store with a Lua script (atomic on the server).
func (r *Redis) CompareAndSwap(ctx context.Context, key, old, value string, ttl time.Duration) (bool, error) {
	n, err := casScript.Run(ctx, r.c, []string{r.prefix + key}, old, value, ttl.Milliseconds()).Int()
	return n == 1, err
}

// SetNX implements token.Store.
func (r *Redis) SetNX(ctx context.Context, key, value string, ttl time.Duration) (bool, error) {
	return r.c.SetNX(ctx, r.prefix+key, value, ttl).Result()
}

// Ping checks that Redis answers.
func (r *Redis) Ping(ctx context.Context) error { return r.c.Ping(ctx).Err() }

// Close releases the connections.
func (r *Redis) Close() error { return r.c.Close() }
