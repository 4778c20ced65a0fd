package settings

import (
	"fmt"
	"net"
	"strings"
)

// loadShared reads the optional token store shared by Grafana replicas (docs/ha.md).
func loadShared(in *source, out *Settings) error {
	w, sh := in.w, &out.Shared
	kind, err := oneOf("sharedStore", w.SharedStore, "none", "redis")
	if err != nil || kind == "none" {
		return err
	}
	sh.Kind = kind
	sh.Address = strings.TrimSpace(w.RedisAddress)
	if sh.Address == "" {
		return &FieldError{"redisAddress", "is required with sharedStore: redis (host:port, e.g. redis:6379)"}
	}
	if _, _, err := net.SplitHostPort(sh.Address); err != nil {
		return &FieldError{"redisAddress", fmt.Sprintf("%q is not host:port", sh.Address)}
	}
	sh.Username = strings.TrimSpace(w.RedisUsername)
	sh.Password = in.secure["redisPassword"]
	db, err := parseInt("redisDb", string(w.RedisDB), 0, RedisDBRange, "")
	if err != nil {
		return err
	}
	sh.DB = int(db)
	sh.TLS = w.RedisTLS
	sh.KeyPrefix = deref(w.RedisKeyPrefix, "oauth2rest:")
	return nil
}
