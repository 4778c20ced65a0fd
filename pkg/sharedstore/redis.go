// Package sharedstore implements token.Store on Redis, so that Grafana replicas share tokens and
// take turns refreshing them.
package sharedstore

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
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
}

// Redis is a token.Store. Timeouts are short and retries off: when Redis is down the plugin must
// fall back to its local cache at once, not stall queries.
type Redis struct {
	c      *redis.Client
	prefix string
}

// unlockScript deletes the lock only if it still holds our value (another replica may own it now).
var unlockScript = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end`)

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
		opts.TLSConfig = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	}
	return &Redis{c: redis.NewClient(opts), prefix: cfg.KeyPrefix}
}

// Get implements token.Store.
func (r *Redis) Get(ctx context.Context, key string) (string, bool, error) {
	v, err := r.c.Get(ctx, r.prefix+key).Result()
	if errors.Is(err, redis.Nil) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return v, true, nil
}

// Set implements token.Store.
func (r *Redis) Set(ctx context.Context, key, value string, ttl time.Duration) error {
	return r.c.Set(ctx, r.prefix+key, value, ttl).Err()
}

// TryLock implements token.Store with SET NX PX and a compare-and-delete unlock.
func (r *Redis) TryLock(ctx context.Context, key string, ttl time.Duration) (func(), bool, error) {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	mine := hex.EncodeToString(b)
	k := r.prefix + key
	ok, err := r.c.SetNX(ctx, k, mine, ttl).Result()
	if err != nil || !ok {
		return nil, false, err
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = unlockScript.Run(ctx, r.c, []string{k}, mine).Err() // on failure the lock expires by itself
	}, true, nil
}

// Ping checks that Redis answers.
func (r *Redis) Ping(ctx context.Context) error { return r.c.Ping(ctx).Err() }

// Close releases the connections.
func (r *Redis) Close() error { return r.c.Close() }
